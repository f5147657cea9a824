import fs from 'node:fs';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { ApiClient, type ConnectionFlags, connectionOptions, RESULT_ERROR, refused, unwrap, withClient } from './api-client.ts';
import { CliError, EXIT } from './cli-error.ts';

const KINDS = ['PATCH', 'ARTIFACT', 'CONFIG'];

const ITEM_FIELDS = 'id kind name version sha256 size productKinds requiresRestart description uploadedBy uploadedAt';

interface ContentItem {
  id: string;
  kind: string;
  name: string;
  version: string;
  sha256: string;
  size: number;
  productKinds: string[];
  requiresRestart: boolean;
  description: string;
  uploadedBy: string;
  uploadedAt: string;
}

interface UploadFlags extends ConnectionFlags {
  kind: string;
  name?: string;
  version: string;
  productKind?: string[];
  restart: boolean;
  description?: string;
  json?: boolean;
}

function bytes(size: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function itemText(item: ContentItem): string {
  return [
    `${item.kind} ${item.name} ${item.version}  (${item.id})`,
    `  sha256        ${item.sha256}`,
    `  size          ${bytes(item.size)} (${item.size} bytes)`,
    `  products      ${item.productKinds.length ? item.productKinds.join(', ') : 'any'}`,
    `  restart       ${item.requiresRestart ? 'needed to load it' : 'not needed'}`,
    `  uploaded      ${new Date(item.uploadedAt).toLocaleString()} by ${item.uploadedBy}`,
    ...(item.description ? [`  description   ${item.description}`] : []),
  ].join('\n');
}

/** The file, read as it is sent, moving a progress bar on a terminal. */
async function* withProgress(file: string, size: number): AsyncIterable<Uint8Array> {
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'uploading {bar} {percentage}% {sent}/{size}', hideCursor: true, stream: process.stderr }, Presets.shades_classic)
    : null;
  bar?.start(size, 0, { sent: bytes(0), size: bytes(size) });
  let sent = 0;
  try {
    for await (const chunk of fs.createReadStream(file)) {
      sent += chunk.length;
      bar?.update(sent, { sent: bytes(sent) });
      yield chunk as Buffer;
    }
  } finally {
    bar?.stop();
  }
}

async function upload(file: string, flags: UploadFlags): Promise<void> {
  const kind = flags.kind.toUpperCase();
  if (!KINDS.includes(kind)) throw new CliError(`--kind must be one of: ${KINDS.map((each) => each.toLowerCase()).join(', ')}`, EXIT.USAGE);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new CliError(`cannot read ${file}`, EXIT.USAGE);
  }
  const client = ApiClient.fromFlags(flags);
  const query = new URLSearchParams({
    kind,
    name: flags.name ?? path.basename(file),
    version: flags.version,
    requiresRestart: String(flags.restart),
    productKinds: (flags.productKind ?? []).join(','),
    description: flags.description ?? '',
  });
  const response = await client.fetch(`/api/content?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: withProgress(file, size) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  const answer = (await response.json().catch(() => null)) as { item?: ContentItem; created?: boolean; errors?: { message: string }[] } | null;
  if (!answer) throw new CliError(`${client.url} answered HTTP ${response.status} without a content response; is --url the OC?`, EXIT.UNREACHABLE);
  if (answer.errors?.length) throw refused(answer.errors);
  const item = answer.item as ContentItem;
  if (flags.json) console.log(JSON.stringify({ created: answer.created, item }, null, 2));
  else console.log(`${answer.created ? 'uploaded' : 'already there, unchanged:'} ${itemText(item)}`);
}

export function registerContent(program: Command): void {
  const content = program.command('content').description('Upload, list, show and delete patches, artifacts and configuration files.');

  connectionOptions(
    content
      .command('upload <file>')
      .description('Upload a file (streamed, with a progress bar on a terminal). Uploading the same file again changes nothing.')
      .requiredOption('--kind <kind>', 'patch, artifact or config')
      .requiredOption('--version <version>', 'its version (kind, name and version are unique)')
      .option('--name <name>', 'the file name to install it under (default: the file’s own name)')
      .option('--product-kind <kind...>', 'product kinds it applies to (default: any)')
      .option('--no-restart', 'the worker loads it without a restart')
      .option('--description <text>', 'what it is for')
      .option('--json', 'print JSON for scripts'),
  ).action((file: string, flags: UploadFlags) => upload(file, flags));

  connectionOptions(
    content
      .command('list')
      .description('List uploaded items, newest first.')
      .addOption(new Option('--kind <kind>', 'only this kind').choices(['patch', 'artifact', 'config']))
      .option('--search <text>', 'part of the name, version or description')
      .option('--first <n>', 'how many', (value) => Number(value), 50)
      .option('--json', 'print JSON for scripts'),
  ).action((flags: ConnectionFlags & { kind?: string; search?: string; first: number; json?: boolean }) =>
    withClient(flags, async (client) => {
      const { contentItems } = await client.request<{ contentItems: { totalCount: number; nodes: ContentItem[] } }>(
        `query($filter: ContentFilter, $first: Int!) { contentItems(filter: $filter, first: $first) { totalCount nodes { ${ITEM_FIELDS} } } }`,
        { filter: { kind: flags.kind?.toUpperCase(), search: flags.search }, first: flags.first },
      );
      if (flags.json) {
        console.log(JSON.stringify(contentItems, null, 2));
        return;
      }
      for (const item of contentItems.nodes)
        console.log(`${item.kind.padEnd(8)} ${item.name} ${item.version}  ${bytes(item.size)}  ${item.sha256.slice(0, 12)}  ${item.id}`);
      console.log(`${contentItems.nodes.length} of ${contentItems.totalCount} item${contentItems.totalCount === 1 ? '' : 's'}`);
    }),
  );

  connectionOptions(content.command('show <id>').description('Show one item.').option('--json', 'print JSON for scripts')).action(
    (id: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { contentItem } = await client.request<{ contentItem: ContentItem | null }>(`query($id: ID!) { contentItem(id: $id) { ${ITEM_FIELDS} } }`, {
          id,
        });
        if (!contentItem) throw new CliError(`no content item ${id}`, EXIT.REFUSED);
        console.log(flags.json ? JSON.stringify(contentItem, null, 2) : itemText(contentItem));
      }),
  );

  connectionOptions(content.command('rm <id>').description('Delete an item (its bytes go when no other item has the same content).')).action(
    (id: string, flags: ConnectionFlags) =>
      withClient(flags, async (client) => {
        const { deleteContentItem } = await client.request<{ deleteContentItem: { name: string } }>(
          `mutation($id: ID!) { deleteContentItem(id: $id) { ${RESULT_ERROR} ... on Removed { name } } }`,
          { id },
        );
        console.log(`deleted ${unwrap(deleteContentItem).name}`);
      }),
  );
}
