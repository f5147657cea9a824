import type { Role } from '$lib/graphql/enums';

const STORAGE_KEY = 'opscenter.session';

export interface StoredSession {
  token: string;
  expiresAt: string;
  username: string;
  role: Role | null;
}

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const parsed = raw ? (JSON.parse(raw) as StoredSession) : null;
    return parsed?.token && new Date(parsed.expiresAt).getTime() > Date.now() ? parsed : null;
  } catch {
    return null;
  }
}

/** The logged-in person's session, kept in localStorage so that it survives a reload. */
class SessionStore {
  current = $state<StoredSession | null>(readStored());
  /** Why the last session ended, shown on the login page. */
  notice = $state<string | null>(null);

  constructor() {
    // Logging in or out in another tab applies here too.
    window.addEventListener('storage', (event) => {
      if (event.key === STORAGE_KEY) this.current = readStored();
    });
  }

  get token(): string | null {
    return this.current?.token ?? null;
  }

  save(session: StoredSession): void {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    this.current = session;
    this.notice = null;
  }

  updateRole(role: Role | null): void {
    if (!this.current || this.current.role === role) return;
    this.save({ ...this.current, role });
  }

  end(notice: string | null = null): void {
    localStorage.removeItem(STORAGE_KEY);
    this.current = null;
    this.notice = notice;
  }
}

export const session = new SessionStore();
