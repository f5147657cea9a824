import { and, asc, eq, inArray } from 'drizzle-orm';
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

  async setState(tx: Executor, id: string, state: CommandState, message: string | null, at: Date): Promise<CommandRow> {
    const [row] = await tx.update(commands).set({ state, message, updatedAt: at }).where(eq(commands.id, id)).returning();
    return row;
  }
}
