import { domainToASCII } from 'node:url';
import { generateWriteKey, InputError, NotFoundError, type PluginChannels } from '@huiliu/core/plugin-api';
import type { AppsRepository } from './apps.repo.js';
import type { AppPlatform, CustomApp, WriteKeyOwner } from './app.types.js';

export interface NewApp {
  platform: AppPlatform;
  name: string;
  /** web */
  domain?: string;
  /** ios */
  bundleId?: string;
  /** android */
  packageName?: string;
}

export interface AppChanges {
  name?: string;
  domain?: string;
  bundleId?: string;
  packageName?: string;
  status?: 'enabled' | 'disabled';
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Apple: letters, digits, hyphens and periods, reverse-DNS with at least two parts. */
const BUNDLE_ID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
/** Android applicationId: at least two segments, each starting with a letter. */
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;

/** `shop.example.com`, `example.cn`, `商城.中国` (IDN), or `*.example.com` for every sub-domain. */
export function normalizeDomain(input: string): string | null {
  let value = input.trim().toLowerCase();
  const wildcard = value.startsWith('*.');
  if (wildcard) value = value.slice(2);
  if (!value || /[/:?#@\s]/.test(value)) return null;
  const ascii = domainToASCII(value);
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => HOST_LABEL.test(label)) || !/^[a-z]|^xn--/.test(labels[labels.length - 1]!)) {
    return null;
  }
  return wildcard ? `*.${value}` : value;
}

/**
 * Apps of a custom channel (seed §2.2.1): a web app (name + domain), an iOS app (name + Bundle
 * ID) or an Android app (name + package name), each with its own writeKey and an on/off switch.
 */
export class AppsService {
  constructor(
    private readonly repo: AppsRepository,
    private readonly channels: PluginChannels,
  ) {}

  private identifier(platform: AppPlatform, input: { domain?: string; bundleId?: string; packageName?: string }): string {
    if (platform === 'web') {
      const domain = input.domain === undefined ? null : normalizeDomain(input.domain);
      if (!domain)
        throw new InputError('custom_app_domain_invalid', { value: input.domain ?? '' }, [
          { path: 'domain', code: 'custom_app_domain_invalid' },
        ]);
      return domain;
    }
    if (platform === 'ios') {
      const bundleId = input.bundleId?.trim() ?? '';
      if (!BUNDLE_ID.test(bundleId) || bundleId.length > 155) {
        throw new InputError('custom_app_bundle_id_invalid', { value: bundleId }, [
          { path: 'bundleId', code: 'custom_app_bundle_id_invalid' },
        ]);
      }
      return bundleId;
    }
    const packageName = input.packageName?.trim() ?? '';
    if (!PACKAGE_NAME.test(packageName) || packageName.length > 255) {
      throw new InputError('custom_app_package_name_invalid', { value: packageName }, [
        { path: 'packageName', code: 'custom_app_package_name_invalid' },
      ]);
    }
    return packageName;
  }

  async list(tenantId: string, channelId: string): Promise<CustomApp[]> {
    await this.channels.get(tenantId, channelId, 'custom');
    return this.repo.list(tenantId, channelId);
  }

  async get(tenantId: string, appId: string): Promise<CustomApp> {
    const app = await this.repo.get(tenantId, appId);
    if (!app) throw new NotFoundError('custom_app_not_found');
    return app;
  }

  async create(tenantId: string, channelId: string, input: NewApp, createdBy: string | null): Promise<CustomApp> {
    await this.channels.get(tenantId, channelId, 'custom');
    const appIdentifier = this.identifier(input.platform, input);
    const now = Date.now();
    const id = await this.repo.insert(tenantId, {
      channel_id: channelId,
      platform: input.platform,
      name: input.name.trim(),
      app_identifier: appIdentifier,
      write_key: generateWriteKey(),
      status: 'enabled',
      created_by: createdBy,
      write_key_issued_at: now,
      created_at: now,
      updated_at: now,
    });
    return this.get(tenantId, id);
  }

  async update(tenantId: string, appId: string, changes: AppChanges): Promise<CustomApp> {
    const app = await this.get(tenantId, appId);
    const patch: Record<string, unknown> = {};
    if (changes.name !== undefined) patch.name = changes.name.trim();
    if (changes.status !== undefined) patch.status = changes.status;
    const identifierKey = { web: 'domain', ios: 'bundleId', android: 'packageName' }[app.platform] as
      'domain' | 'bundleId' | 'packageName';
    for (const key of ['domain', 'bundleId', 'packageName'] as const) {
      if (changes[key] === undefined) continue;
      if (key !== identifierKey) {
        throw new InputError('custom_app_field_not_for_platform', { field: key, platform: app.platform }, [
          { path: key, code: 'custom_app_field_not_for_platform' },
        ]);
      }
      patch.app_identifier = this.identifier(app.platform, changes);
    }
    await this.repo.update(tenantId, appId, patch);
    return this.get(tenantId, appId);
  }

  /** A new writeKey; the old one stops resolving at once (data sent with it is refused). */
  async regenerateWriteKey(tenantId: string, appId: string): Promise<CustomApp> {
    await this.get(tenantId, appId);
    await this.repo.update(tenantId, appId, { write_key: generateWriteKey(), write_key_issued_at: Date.now() });
    return this.get(tenantId, appId);
  }

  /** Who owns a writeKey; unknown (or regenerated-away) keys resolve to undefined. */
  ownerOfWriteKey(writeKey: string): Promise<WriteKeyOwner | undefined> {
    return this.repo.ownerOfWriteKey(writeKey);
  }
}
