/** Sent as `context.library` with every collect message (checked against package.json by a test). */
export const SDK_NAME = '@huiliu/sdk-node';
export const SDK_VERSION = '0.1.0';
