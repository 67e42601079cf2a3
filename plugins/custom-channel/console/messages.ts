import type { PluginMessages } from '@huiliu/console/sdk';

// The console reads these under `plugin.custom-channel.`. zh-CN first; en-US is typed as the
// zh-CN keys (a missing or extra key fails the console typecheck; the console build checks it too).
export const zhCN = {
  common: {
    cancel: '取消',
    save: '保存',
    add: '添加',
  },
  appPage: {
    title: '应用详情',
  },
  breadcrumb: {
    connections: '连接管理',
  },
  platforms: {
    web: '网站',
    ios: 'iOS 应用',
    android: '安卓应用',
  },
  tabs: {
    web: '网站',
    ios: 'iOS',
    android: '安卓',
  },
  identifiers: {
    web: '域名',
    ios: 'Bundle ID',
    android: '包名',
  },
  status: {
    enabled: '启用',
    disabled: '停用',
  },
  section: {
    title: '应用',
    description: '在渠道内添加网站、iOS 应用和安卓应用。每个应用有自己的 writeKey，用于上报数据。',
    add: '添加应用',
    empty: {
      web: '还没有网站应用。添加网站后即可获得它的 writeKey。',
      ios: '还没有 iOS 应用。添加时填写应用的 Bundle ID。',
      android: '还没有安卓应用。添加时填写应用的包名。',
    },
    columns: {
      name: '应用名称',
      status: '状态',
      writeKey: 'writeKey',
      createdAt: '创建时间',
      actions: '操作',
    },
  },
  actions: {
    view: '查看',
    edit: '编辑',
    enable: '启用',
    disable: '停用',
    regenerate: '重新生成 writeKey',
  },
  disable: {
    title: '确定停用应用「{{name}}」？',
    content: '停用后，该应用上报的事件会被丢弃，也不计入用量；重新启用后，停用期间的数据不会恢复。',
    ok: '停用',
    success: '应用已停用',
  },
  enable: {
    success: '应用已启用',
  },
  regenerate: {
    title: '确定重新生成「{{name}}」的 writeKey？',
    content: '旧的 writeKey 立即失效：仍使用旧 writeKey 的网页和 App 上报的数据会被拒绝，请尽快换成新的 writeKey。',
    ok: '重新生成',
    success: '已生成新的 writeKey，旧的已失效',
  },
  form: {
    createTitle: '添加应用',
    editTitle: '编辑应用',
    created: '应用已添加',
    saved: '已保存',
    platform: {
      label: '应用类型',
    },
    name: {
      label: '应用名称',
      placeholder: '例如：官网',
      required: '请输入应用名称',
      max: '应用名称不能超过 {{max}} 个字符',
    },
    domain: {
      placeholder: 'shop.example.com',
      extra: '不含 http:// 和路径；*.example.com 表示所有子域名',
      required: '请输入域名',
    },
    bundleId: {
      placeholder: 'com.example.shop',
      extra: 'Xcode 中 Target → General → Bundle Identifier',
      required: '请输入 Bundle ID',
    },
    packageName: {
      placeholder: 'com.example.shop',
      extra: '应用的 applicationId（build.gradle 中），每段以字母开头',
      required: '请输入包名',
    },
  },
  app: {
    basics: '应用信息',
    name: '应用名称',
    platform: '应用类型',
    channel: '所属渠道',
    status: '状态',
    statusHint: '停用后该应用上报的事件会被丢弃，也不计入用量',
    writeKey: 'writeKey',
    writeKeyHint: 'writeKey 会出现在网页和 App 中，属于公开标识；怀疑泄露或被滥用时可以重新生成，旧的立即失效。',
    writeKeyIssuedAt: 'writeKey 生成时间',
    createdAt: '创建时间',
    updatedAt: '更新时间',
    copyWriteKey: '复制 writeKey',
    copied: '已复制',
    copyFailed: '复制失败，请手动选择复制',
    disabledNotice: '该应用已停用：它上报的事件会被丢弃，也不计入用量。',
    notFound: {
      title: '应用不存在',
      subTitle: '该应用不存在、已被删除，或不属于这个渠道。',
      back: '返回渠道',
    },
    web: {
      title: 'JS 集成',
      description: '把下面任一段代码放到网站每个页面的 </head> 之前（writeKey 和汇流地址已经填好），即开始记录页面浏览。',
      scriptTag: 'script 标签',
      async: '异步加载（推荐）：不阻塞页面，加载前的调用会排队',
      usage:
        '识别联系人：window.LFAPP.identify({ externalId, name, mobilePhone, email, … }, 成功回调, 失败回调)（姓名、手机、邮箱至少一项）；上报事件：window.LFAPP.track(事件ID, 属性)；退出登录：window.LFAPP.reset()。',
      wechat:
        '微信中的页面：在 script 地址末尾加上 &appId=公众号AppID（公众号须已绑定），识别时传 weChatInfo: { openId: window.LFAPP.openId, appId: window.LFAPP.appId }。详见 docs/integrators/web-sdk.md。',
      copy: '复制代码',
    },
    mobile: {
      title: '接入说明',
      ios: '在 App 启动时（AppDelegate 的 application(_:didFinishLaunchingWithOptions:)）初始化 iOS SDK，填入上面的 writeKey 和上报地址 {{serverUrl}}；App 的 Bundle ID 需与 {{identifier}} 一致。',
      android:
        '在 Application 的 onCreate() 中初始化安卓 SDK，填入上面的 writeKey 和上报地址 {{serverUrl}}；App 的包名需与 {{identifier}} 一致。',
      sdkPending: 'iOS 与安卓 SDK 随数据采集版本一同发布。',
    },
  },
  errors: {
    custom_channel_id_invalid: 'ChannelID 不合法：只能包含字母、数字、下划线和连字符，最多 64 位',
    custom_app_not_found: '应用不存在或已被删除',
    custom_app_domain_invalid: '域名不合法，请填写如 shop.example.com 的域名（不含 http:// 和路径）',
    custom_app_bundle_id_invalid: 'Bundle ID 不合法，应形如 com.example.app',
    custom_app_package_name_invalid: '包名不合法，应形如 com.example.app（每段以字母开头）',
    custom_app_field_not_for_platform: '这种类型的应用没有该字段',
    custom_write_key_not_found: 'writeKey 不存在或已被重新生成',
    // custom_channel_has_enabled_apps: the server's message, which says how many apps are enabled.
  },
};

export type Messages = typeof zhCN;

export const enUS: PluginMessages<Messages> = {
  common: {
    cancel: 'Cancel',
    save: 'Save',
    add: 'Add',
  },
  appPage: {
    title: 'App',
  },
  breadcrumb: {
    connections: 'Connections',
  },
  platforms: {
    web: 'Website',
    ios: 'iOS app',
    android: 'Android app',
  },
  tabs: {
    web: 'Websites',
    ios: 'iOS',
    android: 'Android',
  },
  identifiers: {
    web: 'Domain',
    ios: 'Bundle ID',
    android: 'Package name',
  },
  status: {
    enabled: 'Enabled',
    disabled: 'Disabled',
  },
  section: {
    title: 'Apps',
    description: 'Add websites, iOS apps and Android apps to the channel. Each app has its own writeKey for sending data.',
    add: 'Add app',
    empty: {
      web: 'No websites yet. Add one to get its writeKey.',
      ios: 'No iOS apps yet. Adding one takes its Bundle ID.',
      android: 'No Android apps yet. Adding one takes its package name.',
    },
    columns: {
      name: 'Name',
      status: 'Status',
      writeKey: 'writeKey',
      createdAt: 'Created',
      actions: 'Actions',
    },
  },
  actions: {
    view: 'View',
    edit: 'Edit',
    enable: 'Enable',
    disable: 'Disable',
    regenerate: 'Regenerate writeKey',
  },
  disable: {
    title: 'Disable the app “{{name}}”?',
    content: 'Events the app sends while disabled are dropped and not counted; enabling it again does not bring them back.',
    ok: 'Disable',
    success: 'App disabled',
  },
  enable: {
    success: 'App enabled',
  },
  regenerate: {
    title: 'Regenerate the writeKey of “{{name}}”?',
    content:
      'The old writeKey stops working at once: data sent with it from web pages and apps is refused. Switch them to the new writeKey soon.',
    ok: 'Regenerate',
    success: 'New writeKey issued; the old one is revoked',
  },
  form: {
    createTitle: 'Add app',
    editTitle: 'Edit app',
    created: 'App added',
    saved: 'Saved',
    platform: {
      label: 'App type',
    },
    name: {
      label: 'Name',
      placeholder: 'e.g. Website',
      required: 'Enter a name',
      max: 'At most {{max}} characters',
    },
    domain: {
      placeholder: 'shop.example.com',
      extra: 'No http:// and no path; *.example.com covers every sub-domain',
      required: 'Enter the domain',
    },
    bundleId: {
      placeholder: 'com.example.shop',
      extra: 'In Xcode: Target → General → Bundle Identifier',
      required: 'Enter the Bundle ID',
    },
    packageName: {
      placeholder: 'com.example.shop',
      extra: 'The app’s applicationId (in build.gradle); each part starts with a letter',
      required: 'Enter the package name',
    },
  },
  app: {
    basics: 'App',
    name: 'Name',
    platform: 'App type',
    channel: 'Channel',
    status: 'Status',
    statusHint: 'A disabled app’s events are dropped and not counted',
    writeKey: 'writeKey',
    writeKeyHint:
      'The writeKey appears in web pages and apps: it is a public identifier. Regenerate it if it leaks or is abused; the old one stops working at once.',
    writeKeyIssuedAt: 'writeKey issued',
    createdAt: 'Created',
    updatedAt: 'Updated',
    copyWriteKey: 'Copy writeKey',
    copied: 'Copied',
    copyFailed: 'Could not copy; select the text and copy it by hand',
    disabledNotice: 'This app is disabled: its events are dropped and not counted.',
    notFound: {
      title: 'App not found',
      subTitle: 'This app does not exist, was deleted, or belongs to another channel.',
      back: 'Back to the channel',
    },
    web: {
      title: 'JS snippet',
      description:
        'Put either snippet before </head> on every page of the website (the writeKey and this server’s address are filled in); page views are recorded from then on.',
      scriptTag: 'Script tag',
      async: 'Async (recommended): does not block the page; calls made before it loads are queued',
      usage:
        'Identify a person: window.LFAPP.identify({ externalId, name, mobilePhone, email, … }, ok, fail) (name, mobile or email required); track an event: window.LFAPP.track(eventId, properties); on logout: window.LFAPP.reset().',
      wechat:
        'Pages inside WeChat: append &appId=<official account AppID> to the script address (the account must be bound) and pass weChatInfo: { openId: window.LFAPP.openId, appId: window.LFAPP.appId } to identify. See docs/integrators/web-sdk.md.',
      copy: 'Copy code',
    },
    mobile: {
      title: 'Setting up',
      ios: 'Initialize the iOS SDK when the app launches (AppDelegate’s application(_:didFinishLaunchingWithOptions:)) with the writeKey above and the collect URL {{serverUrl}}; the app’s Bundle ID must be {{identifier}}.',
      android:
        'Initialize the Android SDK in your Application’s onCreate() with the writeKey above and the collect URL {{serverUrl}}; the app’s package name must be {{identifier}}.',
      sdkPending: 'The iOS and Android SDKs ship with the data ingestion release.',
    },
  },
  errors: {
    custom_channel_id_invalid: 'Invalid ChannelID: letters, digits, _ and - only, at most 64',
    custom_app_not_found: 'The app does not exist or was deleted',
    custom_app_domain_invalid: 'Invalid domain; enter a domain such as shop.example.com (no http:// or path)',
    custom_app_bundle_id_invalid: 'Invalid Bundle ID; it looks like com.example.app',
    custom_app_package_name_invalid: 'Invalid package name; it looks like com.example.app (each part starts with a letter)',
    custom_app_field_not_for_platform: 'This kind of app has no such field',
    custom_write_key_not_found: 'Unknown or regenerated writeKey',
  },
};
