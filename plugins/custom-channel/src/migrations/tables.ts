/** The plugin's OLTP tables (`custom_channel__…`, the kernel's prefix for `custom-channel`). */
export const APPS_TABLE = 'custom_channel__app';

/** Its name before the `__` separator (renamed by migration 0002). */
export const LEGACY_APPS_TABLE = 'custom_channel_app';
