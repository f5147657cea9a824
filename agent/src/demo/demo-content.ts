import fs from 'node:fs';
import path from 'node:path';

type Call = <Data = unknown>(url: string, query: string, variables: Record<string, unknown>, token?: string) => Promise<Data>;

/** The demo's patch, in two versions: clusters start with the first, the baselines want the second. */
export const DEMO_PATCH = { name: 'hotfix-17.jar', versions: { '1': 'hotfix 17, first build\n', '2': 'hotfix 17, with the session leak fixed\n' } };

const CONFIG_TEMPLATE = `# Written by the Operations Center for {{node.name}}; edits by hand show as drift.
cluster = {{cluster.name}}
product = {{cluster.productKind}}
listen = {{node.address}}
tags = {{#tags}}{{.}} {{/tags}}
`;

/** Puts the first version of the demo patch in a worker's patches directory, as if installed before the OC arrived. */
/** The settings file each demo worker reads at start, and the config template that renders it. */
export const DEMO_CONFIG_NAME = 'server.conf';

export function installOldPatch(patchesDir: string): void {
  const file = path.join(patchesDir, DEMO_PATCH.name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, DEMO_PATCH.versions['1']);
}

async function upload(url: string, token: string, query: Record<string, string>, body: string): Promise<string> {
  const response = await fetch(`${url}/api/content?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
  });
  const answer = (await response.json()) as { item?: { id: string }; errors?: { message: string }[] };
  if (!answer.item) throw new Error(`The demo could not upload ${query.name}: ${answer.errors?.[0]?.message}`);
  return answer.item.id;
}

/**
 * On a fresh demo: uploads the patch in both versions and a configuration template, and declares
 * two baselines, the whole fleet on the new patch and the ESB held on the old one, so the content,
 * baselines and desired-state pages have something to show from the first minute.
 */
export async function seedDemoContent(call: Call, url: string, token: string): Promise<boolean> {
  const existing = await call<{ contentItems: { totalCount: number } }>(url, '{ contentItems(first: 1) { totalCount } }', {}, token);
  if (existing.contentItems.totalCount > 0) return false;
  const patch = {
    old: await upload(
      url,
      token,
      { kind: 'PATCH', name: DEMO_PATCH.name, version: '1', description: 'The first build of hotfix 17' },
      DEMO_PATCH.versions['1'],
    ),
    new: await upload(
      url,
      token,
      { kind: 'PATCH', name: DEMO_PATCH.name, version: '2', description: 'Hotfix 17 with the session leak fixed' },
      DEMO_PATCH.versions['2'],
    ),
  };
  const config = await upload(
    url,
    token,
    // The demo worker reads its settings when it starts, like most servers: a new file takes a restart.
    { kind: 'CONFIG', name: DEMO_CONFIG_NAME, version: '1', requiresRestart: 'true', description: 'Per-node server settings' },
    CONFIG_TEMPLATE,
  );
  const baselines = [
    { name: 'fleet', input: { target: { all: true }, itemIds: [patch.new, config], message: 'Every server: hotfix 17 v2 and its settings' } },
    { name: 'esb-hold', input: { target: { clusters: ['esb'] }, itemIds: [patch.old], message: 'The ESB is certified with hotfix 17 v1 only' } },
  ];
  for (const baseline of baselines)
    await call(
      url,
      'mutation($n: String!, $i: BaselineInput!) { createBaseline(name: $n, input: $i) { __typename } }',
      { n: baseline.name, i: baseline.input },
      token,
    );
  return true;
}
