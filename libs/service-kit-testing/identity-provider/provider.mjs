// The tests' OpenID provider: oidc-provider with its development login pages, dynamic client
// registration, the device flow and JWT access tokens for one API audience.
//
// Configured by IDP_CONFIG (JSON): {port, issuer, audience, initialAccessToken, accounts,
// deviceInterval (seconds the device flow's clients are told to wait between polls)}.
// `accounts` maps a user name to the extra claims it carries (role, groups, tenant_id, ...);
// the development login accepts any name, and a name not listed has no extra claims.
// Prints one line `ready <issuer>` once it listens. Test-only routes under /_test/ let the tests
// add accounts and ask whether a client is still registered; nothing here is for production.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.IDP_CONFIG ?? '{}');
const accounts = new Map(Object.entries(config.accounts ?? {}));
const EXTRA_CLAIMS = ['role', 'groups', 'tenant_id', 'email', 'name'];

// A fresh key each start, so no test ever trusts a key another run signed with.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

function extraClaims(accountId) {
  const claims = accounts.get(accountId) ?? {};
  return Object.fromEntries(Object.entries(claims).filter(([name]) => EXTRA_CLAIMS.includes(name)));
}

const provider = new Provider(config.issuer, {
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'role', 'groups', 'tenant_id'],
    email: ['email'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api'],
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, ...extraClaims(id) }; } };
  },
  async extraTokenClaims(ctx, token) {
    return token.accountId ? extraClaims(token.accountId) : undefined;
  },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    registration: { enabled: true, initialAccessToken: config.initialAccessToken },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: config.audience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  ttl: { AccessToken: 3600, IdToken: 3600, DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  // Refresh tokens for every client allowed to use them, not only with offline_access.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
});

provider.use(async (ctx, next) => {
  const client = ctx.path.match(/^\/_test\/clients\/([^/]+)$/);
  if (client && ctx.method === 'GET') {
    ctx.status = (await provider.Client.find(decodeURIComponent(client[1]))) ? 200 : 404;
    ctx.body = '';
    return;
  }
  if (ctx.path === '/device/auth' && ctx.method === 'POST' && config.deviceInterval) {
    // RFC 8628 §3.2 lets the server choose how often clients poll; oidc-provider announces
    // nothing (clients then wait 5 s). The tests' provider asks for less, to keep them short.
    await next();
    if (ctx.body && typeof ctx.body === 'object' && ctx.body.device_code) {
      ctx.body = { ...ctx.body, interval: config.deviceInterval };
    }
    return;
  }
  if (ctx.path === '/_test/accounts' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const { name, claims } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    accounts.set(name, claims ?? {});
    ctx.status = 204;
    return;
  }
  await next();
});

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${config.issuer}\n`);
});
