// A single-page app: the OC serves build/ and answers every unknown path with index.html.
export const ssr = false;
export const prerender = false;
