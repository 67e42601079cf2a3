import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { HuiliuConfig } from '../../config/config.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../config/data-dir.js';
import { DomainError, NotFoundError } from '../../server/errors.js';
import type { FilesRepo, StoredFileRow } from './files.repo.js';

/** Exports are kept 3 days (seed §1.4.4). */
export const EXPORT_TTL_MS = 3 * 24 * 3600_000;

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  taskId: string | null;
  expiresAt: number | null;
  createdAt: number;
}

function toStoredFile(row: StoredFileRow): StoredFile {
  return {
    id: String(row.id),
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    taskId: row.task_id === null ? null : String(row.task_id),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}

export class FileExpiredError extends DomainError {
  constructor() {
    super('file_expired', 410);
  }
}

/**
 * Result files (exports, failure reports) under `<dataDir>/files/<tenantId>/`, named by random
 * ids (never by operator input), written atomically (0600 in 0700 directories), deleted when they
 * expire. Downloads are confined to that directory.
 */
export class FilesService {
  /** The files directory: every stored file lies beneath it. */
  readonly root: string;

  constructor(
    private readonly repo: FilesRepo,
    config: HuiliuConfig,
    private readonly logger: Logger,
  ) {
    this.root = path.join(config.dataDir, 'files');
  }

  async save(
    tenantId: string,
    input: {
      name: string;
      contentType: string;
      content: Buffer | string;
      ttlMs?: number | null;
      taskId?: string | null;
      createdBy?: string | null;
      permission?: string | null;
    },
  ): Promise<StoredFile> {
    const body = typeof input.content === 'string' ? Buffer.from(input.content, 'utf8') : input.content;
    const relative = path.join(tenantId, randomBytes(16).toString('hex'));
    const full = path.join(this.root, relative);
    ensurePrivateDir(path.dirname(full));
    writeFileSync(`${full}.part`, body, { mode: PRIVATE_FILE_MODE });
    renameSync(`${full}.part`, full);
    return this.record(tenantId, input, relative, body.length);
  }

  /**
   * Stores a file already on disk (an upload hapi wrote to a temporary file): moved in, or copied
   * when it lies on another file system. The source is gone afterwards.
   */
  async adopt(
    tenantId: string,
    input: {
      name: string;
      contentType: string;
      path: string;
      ttlMs?: number | null;
      taskId?: string | null;
      createdBy?: string | null;
      /** The permission a download needs (see `open`); default none. */
      permission?: string | null;
    },
  ): Promise<StoredFile> {
    const relative = path.join(tenantId, randomBytes(16).toString('hex'));
    const full = path.join(this.root, relative);
    ensurePrivateDir(path.dirname(full));
    try {
      renameSync(input.path, full);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EXDEV') throw error;
      copyFileSync(input.path, `${full}.part`);
      renameSync(`${full}.part`, full);
      rmSync(input.path, { force: true });
    }
    chmodSync(full, PRIVATE_FILE_MODE);
    return this.record(tenantId, input, relative, statSync(full).size);
  }

  /** A directory for uploads being received, on the same file system as the stored files. */
  incomingDir(): string {
    const dir = path.join(this.root, '.incoming');
    ensurePrivateDir(dir);
    return dir;
  }

  private async record(
    tenantId: string,
    input: {
      name: string;
      contentType: string;
      ttlMs?: number | null;
      taskId?: string | null;
      createdBy?: string | null;
      permission?: string | null;
    },
    relative: string,
    size: number,
  ): Promise<StoredFile> {
    const full = path.join(this.root, relative);
    const now = Date.now();
    try {
      const id = await this.repo.insert(tenantId, {
        name: input.name.slice(0, 255),
        content_type: input.contentType,
        size,
        storage_path: relative,
        task_id: input.taskId ?? null,
        created_by: input.createdBy ?? null,
        expires_at: input.ttlMs === null ? null : now + (input.ttlMs ?? EXPORT_TTL_MS),
        created_at: now,
        ...(input.permission ? { permission: input.permission } : {}),
      });
      return this.get(tenantId, id, { allowExpired: true });
    } catch (error) {
      rmSync(full, { force: true });
      throw error;
    }
  }

  async get(tenantId: string, fileId: string, options: { allowExpired?: boolean } = {}): Promise<StoredFile> {
    const row = await this.repo.find(tenantId, fileId);
    if (!row) throw new NotFoundError('file_not_found');
    const file = toStoredFile(row);
    if (!options.allowExpired && file.expiresAt !== null && file.expiresAt <= Date.now()) throw new FileExpiredError();
    return file;
  }

  async many(tenantId: string, fileIds: string[]): Promise<StoredFile[]> {
    if (fileIds.length === 0) return [];
    const rows = await this.repo.many(tenantId, fileIds);
    return rows.map(toStoredFile);
  }

  /**
   * The file and where it lies on disk, for download. A stored path that leads outside the files
   * directory (`..`, an absolute path, a symlink out) is refused as a missing file, and logged.
   * Given the caller's permissions, a file saved with a `permission` (an export's file:
   * contacts.export) is refused (403 `file_forbidden`) to a caller without it.
   */
  async open(
    tenantId: string,
    fileId: string,
    caller?: { permissions: ReadonlySet<string> },
  ): Promise<{ file: StoredFile; path: string }> {
    const file = await this.get(tenantId, fileId);
    const row = await this.repo.find(tenantId, fileId);
    // Several permissions (space-separated) are all needed: an export holding masked fields also needs
    // 联系人不脱敏 (contacts.unmasked).
    if (caller && row!.permission && !row!.permission.split(' ').every((permission) => caller.permissions.has(permission)))
      throw new DomainError('file_forbidden', 403);
    const confined = this.confine(row!.storage_path);
    if (!confined) {
      this.logger.warn({ tenantId, fileId }, 'stored file path leads outside the files directory; download refused');
      throw new NotFoundError('file_not_found');
    }
    return { file, path: confined };
  }

  /** The absolute path of a stored path when it stays inside the files directory (symlinks resolved). */
  private confine(storagePath: string): string | undefined {
    const inside = (root: string, target: string) => {
      const relative = path.relative(root, target);
      return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
    };
    const full = path.resolve(this.root, storagePath);
    if (!inside(this.root, full)) return undefined;
    try {
      return inside(realpathSync(this.root), realpathSync(full)) ? full : undefined;
    } catch {
      return full; // missing on disk: the download answers 404 itself
    }
  }

  /** Deletes expired files of a tenant (rows and bytes). */
  async cleanupExpired(tenantId: string, now = Date.now()): Promise<number> {
    const expired = await this.repo.expired(tenantId, now);
    for (const row of expired) rmSync(path.join(this.root, row.storage_path), { force: true });
    await this.repo.remove(
      tenantId,
      expired.map((r) => r.id),
    );
    return expired.length;
  }
}

export const filesServiceRef = createServiceRef<FilesService>({ id: 'files.files' });
