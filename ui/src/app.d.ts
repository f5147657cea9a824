// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface PageState {
      /** The version just saved, for the page that shows it after a navigation. */
      savedVersion?: number;
    }
  }
}

export {};
