// Sign-in with Microsoft Entra ID, through Microsoft's browser library (MSAL), when config.json
// has an "auth" section: {"clientId", "authority", "scope"}. Without one the page behaves as it
// always did and sends no token. The library is vendored (vendor/msal-browser.min.js, the
// pinned npm package's own browser bundle), so the page's Content-Security-Policy stays
// script-src 'self'. Sign-in is a full-page redirect to the authority and back.

/** The app role that may act on jobs and servers (docs/identity.md); the API checks it on every such call. */
export const OPERATOR_ROLE = 'Provisioner.Operator';

// Without sign-in the API lets every call through (AUTH_MODE=disabled), so everyone may operate.
const NO_AUTH = Object.freeze({ enabled: false, account: null, headers: async () => ({}), mayOperate: async () => true, signIn: () => {}, signOut: () => {} });

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

async function readAuthConfig() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return null;
    const { auth } = await response.json();
    return auth && typeof auth.clientId === 'string' && auth.clientId.length > 0 ? auth : null;
  } catch {
    return null;
  }
}

/** The page's sign-in: enabled with an account (signed in), enabled without one (signed out), or not enabled. */
export async function createAuth() {
  const config = await readAuthConfig();
  if (!config) return NO_AUTH;

  if (!globalThis.msal) await loadScript('vendor/msal-browser.min.js');
  const scopes = [config.scope];
  const client = await globalThis.msal.createStandardPublicClientApplication({
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: `${location.origin}${location.pathname}` },
    cache: { cacheLocation: 'sessionStorage' },
  });
  // Back from the authority: the answer is in the URL; MSAL takes it and restores the page's address.
  const result = await client.handleRedirectPromise();
  const account = result?.account ?? client.getAllAccounts()[0] ?? null;
  if (account) client.setActiveAccount(account);

  const token = async () => (await client.acquireTokenSilent({ scopes, account })).accessToken;

  return {
    enabled: true,
    account,
    // Whether to offer what needs the Operator role. A hint only: the API decides on every call,
    // and a token that cannot be had or read offers nothing (the next call says why).
    async mayOperate() {
      if (!account) return false;
      try {
        return tokenRoles(await token()).includes(OPERATOR_ROLE);
      } catch {
        return false;
      }
    },
    async headers() {
      try {
        return { Authorization: `Bearer ${await token()}` };
      } catch (error) {
        if (error instanceof globalThis.msal.InteractionRequiredAuthError) {
          await client.acquireTokenRedirect({ scopes, account });
        }
        throw error;
      }
    },
    signIn: () => client.loginRedirect({ scopes, redirectStartPage: location.href }),
    signOut: () => client.logoutRedirect({ account }),
  };
}

/**
 * The app roles in an access token's `roles` claim; [] when it is not a JWT or has none. The
 * payload is read, not verified: the page only uses it to leave out what the API would refuse.
 */
export function tokenRoles(accessToken) {
  try {
    const payload = accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const { roles } = JSON.parse(new TextDecoder().decode(bytes));
    return Array.isArray(roles) ? roles.filter((role) => typeof role === 'string') : [];
  } catch {
    return [];
  }
}

/** The header's account line: who is signed in, with a way out; or a way in. */
export function showAccount(auth, element) {
  element.replaceChildren();
  if (!auth.enabled) {
    element.hidden = true;
    return;
  }

  element.hidden = false;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  if (auth.account) {
    const who = document.createElement('span');
    who.id = 'account-name';
    who.textContent = `Signed in as ${auth.account.name || auth.account.username}`;
    button.textContent = 'Sign out';
    button.addEventListener('click', () => auth.signOut());
    element.append(who, ' · ', button);
  } else {
    button.id = 'sign-in';
    button.textContent = 'Sign in';
    button.addEventListener('click', () => auth.signIn());
    element.append(button);
  }
}

/** What to tell a person the API refused: 401 (sign in again) and 403 (a role is missing) read differently from other errors. */
export function refusalText(status, detail) {
  if (status === 401) return `Your sign-in is not accepted: ${detail} Sign in again.`;
  if (status === 403) return `You are signed in, but not allowed to do this: ${detail}`;
  return detail;
}
