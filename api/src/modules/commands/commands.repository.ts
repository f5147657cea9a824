import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { type CommandRow, type CommandState, commands } from './commands.table.ts';

export type CommandWithNode = CommandRow & { nodeName: string };

export const OUTSTANDING: CommandState[] = ['PENDING', 'RUNNING'];

export class CommandsRepository {
  async insert(tx: Executor, values: Omit<CommandRow, 'id' | 'state' | 'message' | 'createdAt' | 'updatedAt'> & { createdAt?: Date }) {
    const [row] = await tx.insert(commands).values(values).returning();
    return row;
  }

  async find(db: Executor, id: string): Promise<CommandRow | undefined> {
    const [row] = await db.select().from(commands).where(eq(commands.id, id));
    return row;
  }

  async outstanding(db: Executor, clusterId: string): Promise<CommandRow[]> {
    return db
      .select()
      .from(commands)
      .where(and(eq(commands.clusterId, clusterId), inArray(commands.state, OUTSTANDING)))
      .orderBy(asc(commands.createdAt), asc(commands.id));
  }

  /** Whether an unfinished DEPLOY command of the cluster names the content item for download. */
  async namesContent(db: Executor, clusterId: string, contentId: string): Promise<boolean> {
    const rows = await db
      .select({ id: commands.id })
      .from(commands)
      .where(
        and(
          eq(commands.clusterId, clusterId),
          eq(commands.kind, 'DEPLOY'),
          inArray(commands.state, OUTSTANDING),
          sql`${commands.params}->'install' @> jsonb_build_array(jsonb_build_object('contentId', ${contentId}::text))`,
        ),
      )
      .limit(1);
    return rows.length > 0;
  }

  async setState(tx: Executor, id: string, state: CommandState, message: string | null, at: Date): Promise<CommandRow> {
    const [row] = await tx.update(commands).set({ state, message, updatedAt: at }).where(eq(commands.id, id)).returning();
    return row;
  }
}
