/**
 * Plugin namespaces (ADR 0040). A plugin's namespace is a kebab-case word — its id unless it
 * declares another (`custom-channel` declares `custom`, its channel type). Every name a plugin adds
 * to a space shared by all plugins starts with it, in the spelling that space allows:
 *
 * | kind          | form for namespace `acme-crm`                  | example                  |
 * | ------------- | ---------------------------------------------- | ------------------------ |
 * | `permission`  | `acmeCrm.` + action                            | `acmeCrm.view`           |
 * | `feature`     | `acmeCrm` (a permission-matrix feature)        | `acmeCrm`                |
 * | `eventCode`   | `acme_crm_` + rest                             | `acme_crm_lead_created`  |
 * | `errorCode`   | `acme_crm_` + rest                             | `acme_crm_note_blank`    |
 * | `channelType` | `acme-crm`, or `acme-crm.` / `acme-crm-` + rest | `acme-crm`, `acme-crm-eu` |
 * | `userIdType`  | camelCase of one of its channel types + `.`    | `acmeCrm.leadId`         |
 * | `topic`       | `acme-crm.` or `acmeCrm.` + rest               | `acmeCrm.leadCreated`    |
 *
 * When several namespaces match a name (`acme_crm_x` starts with both `acme_` and `acme_crm_`),
 * the longest one owns it.
 */
export type NameKind = 'permission' | 'feature' | 'eventCode' | 'errorCode' | 'channelType' | 'userIdType' | 'topic';

export const NAMESPACE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** `acme-crm` → `acmeCrm` (permission ids and user-ID types cannot contain `-`). */
export function camelNamespace(namespace: string): string {
  return namespace.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `acme-crm` → `acme_crm` (event and error codes are letters, digits and underscores). */
export function snakeNamespace(namespace: string): string {
  return namespace.replace(/-/g, '_');
}

/** Whether `name` of `kind` lies in `namespace` (not whether a longer namespace owns it). */
export function inNamespace(namespace: string, kind: NameKind, name: string): boolean {
  const camel = camelNamespace(namespace);
  const snake = snakeNamespace(namespace);
  switch (kind) {
    case 'permission':
      return name.startsWith(`${camel}.`);
    case 'feature':
      return name === camel;
    case 'eventCode':
    case 'errorCode':
      return name.startsWith(`${snake}_`);
    case 'channelType':
      return name === namespace || name.startsWith(`${namespace}.`) || name.startsWith(`${namespace}-`);
    case 'userIdType': {
      // `<channel type in camelCase>.<name>`: `acmeCrm.leadId`, or `acmeCrmEu.leadId` for channel type `acme-crm-eu`.
      const dot = name.indexOf('.');
      if (dot < 0) return false;
      const head = name.slice(0, dot);
      return head === camel || (head.startsWith(camel) && /^[A-Z0-9]/.test(head.slice(camel.length)));
    }
    case 'topic':
      return name.startsWith(`${namespace}.`) || name.startsWith(`${camel}.`);
  }
}

/** How a name of `kind` must start in `namespace`, for refusal messages. */
export function namespaceForm(namespace: string, kind: NameKind): string {
  const camel = camelNamespace(namespace);
  const snake = snakeNamespace(namespace);
  switch (kind) {
    case 'permission':
      return `start with "${camel}."`;
    case 'feature':
      return `be "${camel}"`;
    case 'eventCode':
    case 'errorCode':
      return `start with "${snake}_"`;
    case 'channelType':
      return `be "${namespace}" or start with "${namespace}." or "${namespace}-"`;
    case 'userIdType':
      return `start with "${camel}." (the camelCase of one of its channel types, then a dot)`;
    case 'topic':
      return `start with "${namespace}." or "${camel}."`;
  }
}
