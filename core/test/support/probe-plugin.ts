import {
  channelsExtensionPoint,
  definePlugin,
  errorsExtensionPoint,
  eventsExtensionPoint,
  httpExtensionPoint,
  journeysExtensionPoint,
  oltpExtensionPoint,
  permissionsExtensionPoint,
} from '../../src/plugin-api.js';

/**
 * A minimal test plugin (version 1.0.0, core ^0.1.0) whose init runs `contribute` with the extension
 * points registration tests exercise; `extra` adds definition fields (namespace, extends, dependencies…).
 */
export function probePlugin(id: string, contribute: (deps: any) => void = () => {}, extra: Record<string, unknown> = {}) {
  return definePlugin({
    id,
    version: '1.0.0',
    requires: { core: '^0.1.0' },
    ...extra,
    register({ registerInit }) {
      registerInit({
        deps: {
          channels: channelsExtensionPoint,
          events: eventsExtensionPoint,
          journeys: journeysExtensionPoint,
          oltp: oltpExtensionPoint,
          permissions: permissionsExtensionPoint,
          errors: errorsExtensionPoint,
          http: httpExtensionPoint,
        },
        init: (deps) => contribute(deps),
      });
    },
  });
}
