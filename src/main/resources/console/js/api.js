// The gateway's public REST API, nothing else: a Bearer token from POST /api/v1/auth/token, problem+json errors.

const TOKEN_KEY = 'safecity.console.token';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export class Api {
  constructor() {
    // sessionStorage at most: gone with the tab, never shared with other tabs or written to disk for long.
    const saved = sessionStorage.getItem(TOKEN_KEY);
    this.session = saved ? JSON.parse(saved) : null;
    this.onUnauthorized = () => {};
  }

  get token() {
    return this.session && this.session.token;
  }

  async login(username, password) {
    const r = await fetch('/api/v1/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!r.ok) {
      throw new ApiError(r.status, await problem(r));
    }
    const t = await r.json();
    this.session = { token: t.accessToken, user: username, role: t.role, expiresAt: Date.now() + t.expiresIn * 1000 };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(this.session));
    return this.session;
  }

  logout() {
    this.session = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }

  get(path) {
    return this.call('GET', path);
  }

  post(path, body) {
    return this.call('POST', path, body);
  }

  async call(method, path, body) {
    const headers = { Authorization: 'Bearer ' + this.token };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (r.status === 401) {
      this.onUnauthorized(await problem(r));
      throw new ApiError(401, 'not logged in');
    }
    if (!r.ok) {
      throw new ApiError(r.status, await problem(r));
    }
    return r.status === 204 ? null : r.json();
  }
}

async function problem(r) {
  try {
    const p = await r.json();
    return p.detail || p.title || 'HTTP ' + r.status;
  } catch (e) {
    return 'HTTP ' + r.status;
  }
}
