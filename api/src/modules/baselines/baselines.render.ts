import Mustache from 'mustache';

/** What a configuration template may refer to, per node. */
export interface TemplateView {
  cluster: { name: string; productKind: string };
  node: { name: string; role: string; address: string };
  labels: Record<string, string>;
  tags: string[];
}

/**
 * Renders a configuration template for one node with Mustache (logic-less: values, sections and
 * lists, no code). Nothing is HTML-escaped: the output is a configuration file, not a page.
 */
export function renderTemplate(template: string, view: TemplateView): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => String(value) });
}
