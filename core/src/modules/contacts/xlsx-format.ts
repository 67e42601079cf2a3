/**
 * The one xlsx format of contact files (issue 18's contract; ADR 0033, 0034): the import template,
 * exports and the batch edit that re-imports an export. A visible first sheet `用户` (row 1 = column
 * labels, data from row 2) and a `veryHidden` sheet `_huiliu` whose A1 is the format marker and whose
 * column A from row 2 holds the field key of each visible column in order. Pure data: the import's
 * piscina worker imports it too.
 */

/** The visible first sheet. */
export const CONTACT_SHEET = '用户';
/** The very hidden second sheet: A1 the marker, from row 2 column A the key of each visible column. */
export const META_SHEET = '_huiliu';
/** `_huiliu!A1` of the import template (用户导入 accepts only this). */
export const TEMPLATE_MARKER = 'huiliu:contacts-template:v1';
/** `_huiliu!A1` of a contact export (批量编辑用户 accepts only this, with its `contactId` column). */
export const EXPORT_MARKER = 'huiliu:contacts-export:v1';
/** An export's first column, always: the contact's id (read-only; batch edit finds the contact by it). */
export const CONTACT_ID_KEY = 'contactId';
