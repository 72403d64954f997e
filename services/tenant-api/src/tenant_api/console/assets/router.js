// Hash routing: `#/path?filters`. A new path renders a new page (the old one is aborted, so
// its polling stops) and moves focus to its heading; new filters on the same path only
// update the page in place.

const APP = "Control plane console";

export function parseHash(hash) {
  const raw = hash.replace(/^#/, "") || "/tenants";
  const at = raw.indexOf("?");
  const path = decodeURIComponent(at === -1 ? raw : raw.slice(0, at));
  const query = new URLSearchParams(at === -1 ? "" : raw.slice(at + 1));
  return { path: path.startsWith("/") ? path : `/${path}`, query };
}

export function setTitle(text) {
  document.title = text ? `${text} · ${APP}` : APP;
}

export function focusHeading(main) {
  const heading = main.querySelector("h1");
  if (heading) heading.focus();
}

export class Router {
  constructor({ main, routes, fallback, beforeRender }) {
    this.main = main;
    this.routes = routes;
    this.fallback = fallback;
    this.beforeRender = beforeRender;
    this.current = null;
  }

  stop() {
    this.current?.controller.abort();
    this.current = null;
  }

  route() {
    const { path, query } = parseHash(window.location.hash);
    if (this.current && this.current.path === path && this.current.view?.update) {
      this.current.view.update(query);
      return;
    }
    let match = null;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (found) {
        match = { route, params: found.slice(1) };
        break;
      }
    }
    const route = match?.route ?? this.fallback;
    this.current?.controller.abort();
    const controller = new AbortController();
    this.beforeRender(route.section ?? null);
    this.main.replaceChildren();
    setTitle(route.title);
    const view = route.render(this.main, {
      params: match?.params ?? [], query, signal: controller.signal, path,
    });
    this.current = { path, controller, view };
    focusHeading(this.main);
  }
}
