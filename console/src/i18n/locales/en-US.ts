import type { Messages } from './zh-CN';

// Typed as the zh-CN messages: a missing or extra key fails `npm run typecheck`.
const enUS: Messages = {
  app: {
    brand: '汇流 Huiliu',
    loading: 'Loading…',
  },
  language: {
    switchTitle: 'Language',
    'zh-CN': '中文',
    'en-US': 'English',
  },
  common: {
    retry: 'Retry',
    cancel: 'Cancel',
    save: 'Save',
    create: 'Create',
    actions: 'Actions',
    backHome: 'Back to home',
    loadFailed: 'Failed to load',
    requestId: 'Request ID: {{id}}',
  },
  menu: {
    home: 'Home',
    settings: 'Settings',
    integration: 'App integration',
    privateApps: 'Private apps',
  },
  header: {
    tenant: 'Tenant',
    logout: 'Log out',
  },
  setup: {
    title: 'First-time setup',
    subtitle: 'Set up Huiliu: create your tenant and the super administrator',
    sectionTenant: 'Tenant',
    sectionAdmin: 'Super administrator',
    setupToken: {
      label: 'One-time setup token',
      placeholder: 'Paste the setup token from the server log',
      extra: 'The server prints a one-time setup token in its log when it starts; it stops working once setup is done.',
      required: 'Enter the setup token',
    },
    tenantName: {
      label: 'Tenant name',
      placeholder: 'For example your company or brand',
      required: 'Enter the tenant name',
    },
    timeZone: {
      label: 'Time zone',
      placeholder: 'Search time zones',
      extra: 'Dates and reports are counted in this time zone. It cannot be changed after the first event arrives.',
      required: 'Select a time zone',
    },
    name: {
      label: 'Your name',
      placeholder: 'Enter your name',
      required: 'Enter your name',
    },
    email: {
      label: 'Email',
      placeholder: 'name@example.com',
      extra: 'Your email is your account: you sign in to the console with it.',
      required: 'Enter your email',
      invalid: 'Enter a valid email address',
    },
    password: {
      label: 'Password',
      placeholder: 'At least 8 characters',
      required: 'Enter a password',
      min: 'The password needs at least 8 characters',
    },
    confirmPassword: {
      label: 'Confirm password',
      placeholder: 'Enter the password again',
      required: 'Enter the password again',
      mismatch: 'The two passwords do not match',
    },
    submit: 'Finish setup',
  },
  login: {
    subtitle: 'Customer Data Platform · Operator console',
    email: {
      placeholder: 'Email',
      required: 'Enter your email',
      invalid: 'Enter a valid email address',
    },
    password: {
      placeholder: 'Password',
      required: 'Enter your password',
    },
    submit: 'Log in',
    setupDone: 'Setup is complete. Log in with the email and password you just set.',
  },
  home: {
    title: 'Home',
    overview: 'Tenant overview',
    tenantName: 'Tenant name',
    version: 'Product version',
    timeZone: 'Time zone',
    createdAt: 'Created at',
    usage: 'Usage',
    countsEmpty: 'No usage data yet',
    counts: {
      staff: 'Staff',
      apps: 'Private apps',
    },
  },
  apps: {
    title: 'Private apps',
    description:
      'Private apps give your systems Open API access: exchange the appKey and appSecret at POST /api/v1/auth/token for a bearer token, then call the Open API with that token.',
    columns: {
      name: 'Name',
      appKey: 'appKey',
      status: 'Status',
      createdAt: 'Created at',
      lastUsedAt: 'Last used at',
    },
    status: {
      enabled: 'Enabled',
      disabled: 'Disabled',
    },
    neverUsed: 'Never',
    empty: {
      title: 'No private apps yet',
      description:
        'Create a private app to get an appKey and appSecret. Exchange them at POST /api/v1/auth/token for a bearer token so your systems can read and write data through the Open API.',
    },
    form: {
      name: {
        label: 'Name',
        placeholder: 'For example: CRM sync',
        required: 'Enter a name',
        max: 'The name can have at most {{max}} characters',
      },
    },
    create: {
      button: 'Create',
      title: 'Create private app',
    },
    rename: {
      action: 'Rename',
      title: 'Rename',
      success: 'Name updated',
    },
    toggle: {
      enable: 'Enable',
      disable: 'Disable',
      disableTitle: 'Disable this app?',
      disableDescription: 'A disabled app cannot call the Open API until it is enabled again.',
      enabled: 'App enabled',
      disabled: 'App disabled',
    },
    resetSecret: {
      action: 'Reset secret',
      title: 'Reset the secret of "{{name}}"?',
      content: 'The old appSecret stops working immediately; integrations that use it must switch to the new secret.',
      ok: 'Reset secret',
    },
    remove: {
      action: 'Delete',
      title: 'Delete this app?',
      description: 'Deleting the app revokes every access token it was issued. This cannot be undone.',
      ok: 'Delete',
      success: 'App deleted',
    },
    secret: {
      appSecret: 'appSecret',
      createdTitle: 'Private app created',
      resetTitle: 'Secret reset',
      warning:
        'The appSecret is shown only this once and cannot be viewed again after you close this dialog. Copy it now and keep it safe.',
      hint: 'Exchange the appKey and appSecret at POST /api/v1/auth/token for an access token.',
      done: 'I have saved it',
    },
  },
  pages: {
    notFound: {
      title: 'Page not found',
      subTitle: 'The page you are looking for does not exist or was removed.',
    },
    forbidden: {
      title: 'No access',
      subTitle: 'You do not have permission to view this page. Ask your administrator.',
    },
    crashed: {
      title: 'Something went wrong',
      subTitle: 'This page hit an error while rendering. Reload and try again.',
      reload: 'Reload',
    },
  },
  validation: {
    fieldInvalid: 'This value is not valid',
  },
  errors: {
    unauthenticated: 'Your session has expired. Please log in again.',
    forbidden: 'You do not have permission to do this.',
    csrf_token_invalid: 'This page has expired. Reload it and try again.',
    not_found: 'The requested item does not exist.',
    app_not_found: 'The app does not exist or was deleted.',
    internal_error: 'Internal server error. Please try again later.',
    invalid_json: 'The request was malformed.',
    payload_too_large: 'The request is too large.',
    time_zone_locked: 'Events have arrived; the time zone can no longer be changed.',
    validation_failed: 'Some values are not valid. Check them and try again.',
    setup_token_invalid: 'The setup token is not valid. Check the token in the server log.',
    setup_already_done: 'Setup has already been completed. Please log in.',
    email_taken: 'This email is already in use.',
    invalid_credentials: 'Wrong email or password.',
    staff_disabled: 'This account is disabled. Contact your administrator.',
    network_error: 'Network error. Check your connection and try again.',
    unknown_error: 'Something went wrong. Please try again later.',
  },
};

export default enUS;
