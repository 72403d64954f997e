// One polite live region for the whole console (it must stay in the DOM to be heard).
// Messages given in the same moment are read together rather than overwriting each other.

let pending = [];
let timer = null;

export function announce(message) {
  const region = document.getElementById("live");
  if (!region) return;
  pending.push(message);
  if (timer !== null) return;
  // Clearing first makes a repeated message count as new.
  region.textContent = "";
  timer = setTimeout(() => {
    region.textContent = pending.join(" ");
    pending = [];
    timer = null;
  }, 50);
}
