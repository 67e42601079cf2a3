import Joi from 'joi';
import type { Logger } from 'pino';
import type { SecretBox } from '../../config/secret-box.js';
import { inspectChannelSettings, type ChannelSettingsShape } from '../../kernel/channel-settings.js';
import type { ChannelTypeDefinition, LocalizedText, Refusal } from '../../kernel/contributions.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { PluginError } from '../../kernel/plugin-error.js';
import {
  ConflictError,
  ForbiddenError,
  InputError,
  isDomainError,
  NotFoundError,
  UnavailableError,
  UpstreamError,
} from '../../server/errors.js';
import { isUniqueViolation, type Page } from '../../store/oltp/oltp-store.js';
import type { PluginEnablement } from '../tenant-plugins/plugin-enablement.js';
import type { ChannelsRepo } from './channels.repo.js';
import { openSecrets, redactSecrets, sealSecrets, secretNames } from './channel-secrets.js';
import { toChannel, type Channel, type ChannelRow, type ChannelSettingsView, type ChannelTypeInfo } from './channel.types.js';

export interface NewChannel {
  type: string;
  name: string;
  /** Blank = generated when the type can generate keys. */
  channelKey?: string;
  /** The type's settings form (secrets in clear); validated against its `settings` schema. */
  settings?: Record<string, unknown>;
}

/**
 * A change of a channel's settings (PATCH): per top-level field, omitted = unchanged; a secret
 * field's `null` = unchanged, `''` = cleared (refused if the schema requires it); another field's
 * `null` = removed (its default applies). The merged whole is validated again.
 */
export type SettingsPatch = Record<string, unknown>;

/** The answer of 测试连接: a failed test is a normal answer, not an HTTP error. */
export type ChannelTestOutcome = { ok: true } | { ok: false; code: string; params?: Record<string, unknown> };

/** Settings (JSON, non-secret and sealed secrets together) above this many characters are refused. */
export const SETTINGS_MAX_CHARS = 16_384;

/** A type without a settings form takes no settings at all. */
const NO_SETTINGS = Joi.object({});

/** Attempts at a generated key before giving up (a collision needs the same random key twice). */
const GENERATE_ATTEMPTS = 5;

/**
 * Channels (连接): a tenant's connections of the channel types plugins contribute. The type's
 * definition decides how a channel is created by hand and whether it may be deleted now.
 */
export class ChannelsService {
  /** How long 测试连接 waits for a connector before answering `channel_test_timeout`. */
  testTimeoutMs = 15_000;

  constructor(
    private readonly repo: ChannelsRepo,
    private readonly contributions: ContributionRegistry,
    private readonly secretBox: SecretBox,
    private readonly logger: Pick<Logger, 'warn' | 'error'>,
    /** Which plugins each tenant has (ADR 0041): a disabled plugin's types are like a removed plugin's there. */
    private readonly enablement: Pick<PluginEnablement, 'disabledPlugins'>,
  ) {}

  private shapeOf(definition: ChannelTypeDefinition): ChannelSettingsShape | undefined {
    return definition.settings ? inspectChannelSettings(definition.settings) : undefined;
  }

  private definition(type: string): { pluginId: string; definition: ChannelTypeDefinition } {
    const owned = this.contributions.channelTypes.get(type);
    if (!owned) throw new InputError('channel_type_unknown', { type }, [{ path: 'type', code: 'channel_type_unknown' }]);
    return owned;
  }

  /**
   * Whether channels of a type work for the tenant: a loaded plugin provides it and is enabled for
   * the tenant. Otherwise its channels are listed, renamed and deleted only (ADR 0011 §7, ADR 0041).
   */
  private async availability(tenantId: string): Promise<(type: string) => boolean> {
    const disabled = await this.enablement.disabledPlugins(tenantId);
    return (type) => {
      const owned = this.contributions.channelTypes.get(type);
      return owned !== undefined && !disabled.has(owned.pluginId);
    };
  }

  private async mapper(tenantId: string): Promise<(row: ChannelRow) => Channel> {
    const available = await this.availability(tenantId);
    return (row) => toChannel(row, available(row.type));
  }

  /**
   * Before the type's plugin code runs (connect, test, settingsChanged): 503 `plugin_unavailable`
   * when the plugin is isolated after a failed start (ADR 0040), 403 `plugin_disabled` when it is
   * disabled for the tenant (ADR 0041).
   */
  private async assertTypeEnabled(tenantId: string, pluginId: string): Promise<void> {
    if (!this.contributions.isAvailable(pluginId)) throw new UnavailableError('plugin_unavailable', 60, { plugin: pluginId });
    if ((await this.enablement.disabledPlugins(tenantId)).has(pluginId)) {
      throw new ForbiddenError('plugin_disabled', { plugin: pluginId });
    }
  }

  async types(tenantId: string, locale: keyof LocalizedText = 'zh-CN'): Promise<ChannelTypeInfo[]> {
    const counts = await this.countsByType(tenantId);
    const disabled = await this.enablement.disabledPlugins(tenantId);
    // A type whose plugin is disabled for the tenant is hidden, unless channels of it remain: then it
    // is shown unavailable, as a removed plugin's (its name still known).
    const shown = [...this.contributions.channelTypes.values()].filter(
      ({ pluginId, definition }) => !disabled.has(pluginId) || (counts.get(definition.type) ?? 0) > 0,
    );
    const registered = shown.map(({ pluginId, definition }) => ({
      type: definition.type,
      name: definition.name,
      description: definition.description ?? null,
      userIdTypes: definition.userIdTypes,
      customEvents: definition.customEvents,
      manual:
        definition.manual && !disabled.has(pluginId)
          ? {
              keyLabel: definition.manual.key.label,
              keyPattern: definition.manual.key.pattern.source,
              keyGenerated: typeof definition.manual.key.generate === 'function',
              keyHelp: definition.manual.key.help ?? null,
            }
          : null,
      settingsSchema: this.shapeOf(definition)?.jsonSchema(locale) ?? null,
      testable: typeof definition.handlers?.test === 'function',
      pluginId,
      available: !disabled.has(pluginId),
      count: counts.get(definition.type) ?? 0,
    }));
    // Types whose plugin is gone but whose channels remain: listed so they can be found and deleted.
    const orphaned = [...counts.entries()]
      .filter(([type]) => !this.contributions.channelTypes.has(type))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]): ChannelTypeInfo => ({
        type,
        name: { 'zh-CN': type, 'en-US': type },
        description: null,
        userIdTypes: [],
        customEvents: false,
        manual: null,
        settingsSchema: null,
        testable: false,
        pluginId: null,
        available: false,
        count,
      }));
    return [...registered, ...orphaned];
  }

  countsByType(tenantId: string): Promise<Map<string, number>> {
    return this.repo.countsByType(tenantId);
  }

  count(tenantId: string): Promise<number> {
    return this.repo.count(tenantId);
  }

  async list(tenantId: string, query: { type?: string; page: number; pageSize: number }): Promise<Page<Channel>> {
    return this.repo.page(tenantId, query, await this.mapper(tenantId));
  }

  async get(tenantId: string, channelId: string, type?: string): Promise<Channel> {
    const row = await this.repo.find(tenantId, channelId, type);
    if (!row) throw new NotFoundError('channel_not_found');
    return (await this.mapper(tenantId))(row);
  }

  /**
   * The channel an integrator names by its ChannelID (`udc_…`) or AppID, as the Open API's
   * `channel.channelId` does; undefined when the tenant has none.
   */
  async findByKey(tenantId: string, channelKey: string): Promise<Channel | undefined> {
    const [row] = await this.repo.byKey(tenantId, channelKey);
    return row ? (await this.mapper(tenantId))(row) : undefined;
  }

  async create(tenantId: string, input: NewChannel, createdBy: string | null): Promise<Channel> {
    const { pluginId, definition } = this.definition(input.type);
    await this.assertTypeEnabled(tenantId, pluginId);
    const manual = definition.manual;
    if (!manual)
      throw new InputError('channel_type_not_manual', { type: input.type }, [{ path: 'type', code: 'channel_type_not_manual' }]);
    const label = manual.key.label['en-US'];
    const given = input.channelKey?.trim() ?? '';
    if (!given && !manual.key.generate) {
      throw new InputError('channel_key_required', { label }, [{ path: 'channelKey', code: 'channel_key_required' }]);
    }
    if (given && !manual.key.pattern.test(given)) {
      throw new InputError(manual.key.invalidCode, { key: given }, [{ path: 'channelKey', code: manual.key.invalidCode }]);
    }
    const settings = this.validate(definition, input.settings ?? {});
    const { plain, secrets } = this.split(definition, settings);
    for (let attempt = 1; ; attempt += 1) {
      const channelKey = given || manual.key.generate!();
      let channel: Channel;
      try {
        channel = await this.insert(tenantId, definition.type, channelKey, input.name, createdBy, { plain, secrets });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (given || attempt >= GENERATE_ATTEMPTS) {
          throw new ConflictError('channel_key_taken', { label, key: channelKey });
        }
        continue;
      }
      try {
        await definition.handlers?.connect?.({ tenantId, channelId: channel.id, settings });
      } catch (error) {
        // A connector that could not connect leaves no channel behind (its own rows go with it
        // through their foreign keys): creating it again starts afresh instead of `channel_key_taken`.
        await this.repo.remove(tenantId, channel.id);
        // The connector's own refusal (a registered code) is answered as it said; anything else is an
        // upstream failure, logged with the secrets masked.
        if (isDomainError(error)) throw error;
        this.logFailure('connect', error, { tenantId, channelId: channel.id, type: definition.type }, Object.values(secrets));
        throw new UpstreamError('channel_connect_failed', true);
      }
      return channel;
    }
  }

  /**
   * A channel its connector creates (types without manual creation: an official account after the
   * WeChat authorization, seed §1.8): the key is the connector's (the AppID) and must be given.
   */
  async register(tenantId: string, input: Required<Omit<NewChannel, 'settings'>>, createdBy: string | null): Promise<Channel> {
    const { pluginId, definition } = this.definition(input.type);
    await this.assertTypeEnabled(tenantId, pluginId);
    const channelKey = input.channelKey.trim();
    if (!channelKey)
      throw new InputError('channel_key_required', { label: 'key' }, [{ path: 'channelKey', code: 'channel_key_required' }]);
    try {
      return await this.insert(tenantId, definition.type, channelKey, input.name, createdBy);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('channel_key_taken', { label: 'key', key: channelKey });
      throw error;
    }
  }

  private async insert(
    tenantId: string,
    type: string,
    channelKey: string,
    name: string,
    createdBy: string | null,
    settings?: { plain: Record<string, unknown>; secrets: Record<string, string> },
  ): Promise<Channel> {
    const now = Date.now();
    const row = {
      type,
      channel_key: channelKey,
      name: name.trim(),
      status: 'active' as const,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    };
    const id = settings
      ? await this.repo.insertWithSecrets(tenantId, { ...row, settings: JSON.stringify(settings.plain) }, (channelId) =>
          sealSecrets(this.secretBox, tenantId, channelId, settings.secrets),
        )
      : await this.repo.insert(tenantId, row);
    return this.get(tenantId, id);
  }

  // ---- settings (ADR 0039) ---------------------------------------------------------------------

  /**
   * Validates a complete settings object against the type's form: the value with defaults
   * applied, or 400 `channel_settings_invalid` with one `{ path: 'settings.<field>', code }` per
   * problem (joi's codes; never a value).
   */
  private validate(definition: ChannelTypeDefinition, input: Record<string, unknown>): Record<string, unknown> {
    const schema = this.shapeOf(definition)?.schema ?? NO_SETTINGS;
    const { value, error } = schema.validate(input, { abortEarly: false });
    if (error) {
      throw new InputError(
        'channel_settings_invalid',
        {},
        error.details.map((detail) => ({ path: ['settings', ...detail.path].join('.'), code: detail.type })),
      );
    }
    return value as Record<string, unknown>;
  }

  /** Validated settings split into the stored non-secret JSON and the secrets to seal (size-checked). */
  private split(
    definition: ChannelTypeDefinition,
    settings: Record<string, unknown>,
  ): { plain: Record<string, unknown>; secrets: Record<string, string> } {
    const secretFields = new Set(this.shapeOf(definition)?.secretFields ?? []);
    const plain: Record<string, unknown> = {};
    const secrets: Record<string, string> = {};
    for (const [field, value] of Object.entries(settings)) {
      if (value === undefined) continue;
      if (secretFields.has(field)) secrets[field] = value as string;
      else plain[field] = value;
    }
    if (JSON.stringify(plain).length + JSON.stringify(secrets).length > SETTINGS_MAX_CHARS) {
      throw new InputError('channel_settings_too_large', { max: SETTINGS_MAX_CHARS }, [
        { path: 'settings', code: 'channel_settings_too_large' },
      ]);
    }
    return { plain, secrets };
  }

  private async row(tenantId: string, channelId: string): Promise<ChannelRow> {
    const row = await this.repo.find(tenantId, channelId);
    if (!row) throw new NotFoundError('channel_not_found');
    return row;
  }

  /** The definition of a stored channel's type; 400 `channel_type_unknown` when its plugin is gone. */
  private static storedPlain(row: ChannelRow): Record<string, unknown> {
    if (!row.settings) return {};
    const parsed = JSON.parse(row.settings) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }

  /** A channel's settings as the APIs show them: the non-secret values and which secrets are set. */
  async settingsView(tenantId: string, channelId: string): Promise<ChannelSettingsView> {
    const row = await this.row(tenantId, channelId);
    return { settings: ChannelsService.storedPlain(row), secretsSet: secretNames(row.secret_settings) };
  }

  /**
   * The stored settings with a patch applied (see SettingsPatch), secrets in clear — only the
   * kept secrets are opened. Stored fields the type's form no longer has are dropped.
   */
  private merge(row: ChannelRow, definition: ChannelTypeDefinition, patch: SettingsPatch): Record<string, unknown> {
    const shape = this.shapeOf(definition);
    const fields = new Set(shape?.fields ?? []);
    const secretFields = new Set(shape?.secretFields ?? []);
    const merged: Record<string, unknown> = Object.fromEntries(
      Object.entries(ChannelsService.storedPlain(row)).filter(([field]) => fields.has(field) && !secretFields.has(field)),
    );
    const kept = [...secretFields].filter((field) => patch[field] === undefined || patch[field] === null);
    Object.assign(merged, openSecrets(this.secretBox, String(row.tenant_id), String(row.id), row.secret_settings, kept));
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (secretFields.has(field)) {
        if (value === null) continue;
        if (value === '') delete merged[field];
        else merged[field] = value;
      } else if (value === null) {
        delete merged[field];
      } else {
        merged[field] = value;
      }
    }
    return merged;
  }

  /**
   * Saves new settings of a channel (PATCH semantics, see SettingsPatch), then `onSaved` (the
   * operation log) and the type's `settingsChanged` hook; a hook that throws answers 502
   * `channel_settings_apply_failed` (the settings stay saved; saving again calls it again).
   * Returns the fields whose value changed (a secret counts when a value or a clear was sent).
   */
  async updateSettings(
    tenantId: string,
    channelId: string,
    patch: SettingsPatch,
    onSaved: (changedFields: string[]) => Promise<void>,
  ): Promise<Channel> {
    // Read, merge and write under the row's lock: two PATCHes of different fields both stay.
    const { definition, settings, secrets } = await this.repo.transaction(async () => {
      const row = await this.repo.findForUpdate(tenantId, channelId);
      if (!row) throw new NotFoundError('channel_not_found');
      const { pluginId, definition } = this.definition(row.type);
      await this.assertTypeEnabled(tenantId, pluginId);
      const settings = this.validate(definition, this.merge(row, definition, patch));
      const { plain, secrets } = this.split(definition, settings);
      const before = ChannelsService.storedPlain(row);
      const secretFields = new Set(this.shapeOf(definition)?.secretFields ?? []);
      const fields = new Set([...Object.keys(before), ...Object.keys(plain)]);
      const changed = [...fields].filter(
        (field) => !secretFields.has(field) && JSON.stringify(before[field]) !== JSON.stringify(plain[field]),
      );
      for (const field of secretFields) if (patch[field] !== undefined && patch[field] !== null) changed.push(field);
      await this.repo.updateSettings(tenantId, channelId, {
        settings: JSON.stringify(plain),
        secret_settings: sealSecrets(this.secretBox, tenantId, channelId, secrets),
      });
      await onSaved(changed.sort());
      return { definition, settings, secrets };
    });
    const hook = definition.handlers?.settingsChanged;
    if (hook) {
      try {
        await hook({ tenantId, channelId, settings });
      } catch (error) {
        this.logFailure('settingsChanged', error, { tenantId, channelId, type: definition.type }, Object.values(secrets));
        throw new UpstreamError('channel_settings_apply_failed', true);
      }
    }
    return this.get(tenantId, channelId);
  }

  /** 测试连接 before creating a channel: the settings as the create form holds them. */
  async testNew(tenantId: string, type: string, settings: Record<string, unknown>): Promise<ChannelTestOutcome> {
    const { pluginId, definition } = this.definition(type);
    await this.assertTypeEnabled(tenantId, pluginId);
    this.assertTestable(definition);
    const value = this.validate(definition, settings);
    return this.runTest(definition, { tenantId, settings: value });
  }

  /** 测试连接 on an existing channel: its stored settings with the (unsaved) patch applied. */
  async testExisting(tenantId: string, channelId: string, patch: SettingsPatch): Promise<ChannelTestOutcome> {
    const row = await this.row(tenantId, channelId);
    const { pluginId, definition } = this.definition(row.type);
    await this.assertTypeEnabled(tenantId, pluginId);
    this.assertTestable(definition);
    const value = this.validate(definition, this.merge(row, definition, patch));
    return this.runTest(definition, { tenantId, channelId, settings: value });
  }

  private assertTestable(definition: ChannelTypeDefinition): void {
    if (typeof definition.handlers?.test !== 'function')
      throw new InputError('channel_test_unsupported', { type: definition.type }, [
        { path: 'type', code: 'channel_test_unsupported' },
      ]);
  }

  private async runTest(
    definition: ChannelTypeDefinition,
    input: { tenantId: string; channelId?: string; settings: Record<string, unknown> },
  ): Promise<ChannelTestOutcome> {
    const secretValues = (this.shapeOf(definition)?.secretFields ?? [])
      .map((field) => input.settings[field])
      .filter((value): value is string => typeof value === 'string');
    const context = { tenantId: input.tenantId, channelId: input.channelId, type: definition.type };
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, this.testTimeoutMs);
    });
    try {
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => definition.handlers!.test!({ ...input, signal: controller.signal }))
          .then((refusal) => ({ refusal })),
        timedOut,
      ]);
      if (outcome === 'timeout') {
        this.logger.warn(context, `测试连接 of a ${definition.type} channel timed out after ${this.testTimeoutMs} ms`);
        return {
          ok: false,
          code: 'channel_test_timeout',
          params: { seconds: Math.max(1, Math.round(this.testTimeoutMs / 1000)) },
        };
      }
      const { refusal } = outcome;
      if (refusal === null || refusal === undefined) return { ok: true };
      if (typeof refusal !== 'object' || typeof (refusal as Refusal).code !== 'string') {
        this.logger.error(context, `测试连接 of a ${definition.type} channel answered neither null nor a refusal`);
        return { ok: false, code: 'channel_test_failed' };
      }
      return { ok: false, code: refusal.code, ...(refusal.params ? { params: refusal.params } : {}) };
    } catch (error) {
      this.logFailure('test', error, context, secretValues);
      return { ok: false, code: 'channel_test_failed' };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a connector's error without the settings, and with any secret value in its text masked. */
  private logFailure(hook: string, error: unknown, context: Record<string, unknown>, secrets: readonly string[]): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.logger.error(
      {
        ...context,
        hook,
        err: {
          type: err.name,
          message: redactSecrets(err.message, secrets),
          stack: err.stack ? redactSecrets(err.stack, secrets) : undefined,
        },
      },
      `channel type handler ${hook} failed`,
    );
  }

  /**
   * `PluginChannels.settings`: the validated settings of a channel, secrets in clear — only for
   * the plugin that provides the channel's type (another plugin asking is a programming error).
   */
  async settingsFor(consumerId: string, tenantId: string, channelId: string): Promise<Record<string, unknown>> {
    const row = await this.row(tenantId, channelId);
    const owner = this.contributions.channelTypes.get(row.type)?.pluginId;
    if (owner !== consumerId) {
      throw new PluginError(
        consumerId,
        `reads the settings of channel ${channelId}, whose type "${row.type}" is ${owner ? `plugin "${owner}"'s` : 'no loaded plugin’s'}: a plugin reads only its own channel types' settings`,
      );
    }
    return {
      ...ChannelsService.storedPlain(row),
      ...openSecrets(this.secretBox, tenantId, channelId, row.secret_settings),
    };
  }

  async rename(tenantId: string, channelId: string, name: string): Promise<Channel> {
    await this.get(tenantId, channelId);
    await this.repo.rename(tenantId, channelId, name.trim());
    return this.get(tenantId, channelId);
  }

  /**
   * Why the channel's type refuses to delete it now (e.g. apps still sending data), or null. A
   * channel whose type's plugin was removed is simply deletable: nothing is left to ask.
   */
  async deleteRefusal(tenantId: string, channel: Channel): Promise<Refusal | null> {
    if (!channel.typeAvailable) return null;
    const { definition } = this.definition(channel.type);
    return (await definition.handlers?.checkDelete?.({ tenantId, channelId: channel.id })) ?? null;
  }

  /**
   * Deletes a channel unless its type says why not. A channel whose type's plugin was removed is
   * simply deleted (the plugin's own rows go with it through their foreign keys).
   */
  async remove(tenantId: string, channelId: string): Promise<void> {
    const channel = await this.get(tenantId, channelId);
    const definition = channel.typeAvailable ? this.definition(channel.type).definition : undefined;
    const refusal = await this.deleteRefusal(tenantId, channel);
    if (refusal) throw new ConflictError(refusal.code, refusal.params);
    await this.repo.remove(tenantId, channelId);
    await definition?.handlers?.disconnect?.({ tenantId, channelId });
  }
}

export const channelsServiceRef = createServiceRef<ChannelsService>({ id: 'channels.channels' });
