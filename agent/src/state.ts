import fs from 'node:fs';
import path from 'node:path';
import type { CommandOutcomeCode } from './api-client.ts';

/** What the agent must remember across its own restarts. */
export interface AgentState {
  ocUrl?: string;
  credential?: string;
  clusterId?: string;
  nodeId?: string;
  /** Processes the agent started, so a restarted agent adopts them instead of starting more. */
  processes: Record<string, { pid: number; startTicks: number }>;
  /** Commands executed (by id), so redelivered ones are not run twice and are answered as before; newest epoch per operation. */
  executed: Record<string, { at: string; outcome: string; code?: CommandOutcomeCode }>;
  epochs: Record<string, number>;
}

export function emptyState(): AgentState {
  return { processes: {}, executed: {}, epochs: {} };
}

/** The state file: readable by its owner only (it holds the credential), replaced atomically. */
export class StateFile {
  constructor(readonly file: string) {}

  load(): AgentState {
    if (!fs.existsSync(this.file)) return emptyState();
    return { ...emptyState(), ...(JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<AgentState>) };
  }

  save(state: AgentState): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }
}
