import { goto } from '$app/navigation';
import { page } from '$app/state';

/**
 * Filters and sort order kept in the query string, so that a view can be shared as a link and
 * survives a reload. Reading a value is reactive; setting one replaces the history entry.
 */
export class UrlFilter {
  get(name: string): string {
    return page.url.searchParams.get(name) ?? '';
  }

  /** Sets (or, with an empty value, removes) parameters. */
  set(changes: Record<string, string | null>): void {
    const url = new URL(page.url);
    for (const [name, value] of Object.entries(changes)) {
      if (value) url.searchParams.set(name, value);
      else url.searchParams.delete(name);
    }
    if (url.search === page.url.search) return;
    void goto(url, { replaceState: true, keepFocus: true, noScroll: true });
  }
}
