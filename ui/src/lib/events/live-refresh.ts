import { onMount } from 'svelte';
import { Refresher } from '$lib/utils/refresher';
import { getLiveEvents, type LiveEvents } from './live-events';

interface LiveRefreshOptions {
  /** Live events after which to refetch; Resync always triggers one. */
  on?: (keyof LiveEvents)[];
  minIntervalMs?: number;
  /** Also refetch this often, for what no event announces (e.g. statistics). */
  pollMs?: number;
}

/**
 * Loads a view's data now and again after the live events it depends on, coalescing bursts
 * into one refetch; stops when the calling component is destroyed.
 */
export function liveRefresh(load: () => Promise<void>, options: LiveRefreshOptions = {}): Refresher {
  const { on = [], minIntervalMs = 1_000, pollMs } = options;
  const refresher = new Refresher(load, minIntervalMs);
  const stream = getLiveEvents();
  onMount(() => {
    refresher.request();
    const unlisten = [...new Set<keyof LiveEvents>([...on, 'Resync'])].map((name) => stream.on(name, refresher.request));
    const poll = pollMs ? setInterval(refresher.request, pollMs) : undefined;
    return () => {
      for (const stop of unlisten) stop();
      clearInterval(poll);
      refresher.dispose();
    };
  });
  return refresher;
}
