import type { Database } from '../../db/client.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { AuditFilter, AuditRepository } from './audit.repository.ts';
import type { AuditRow } from './audit.table.ts';

export class AuditService {
  constructor(
    private readonly db: Database,
    private readonly repository: AuditRepository,
  ) {}

  async list(filter: AuditFilter, pageArgs: PageArgs): Promise<Page<AuditRow>> {
    const request = checkPage(pageArgs, 1);
    const rows = await this.repository.list(this.db, filter, request.first + 1, request.after ? Number(request.after[0]) : undefined);
    return toPage(
      rows,
      request,
      (row) => [row.id],
      () => this.repository.count(this.db, filter),
    );
  }
}
