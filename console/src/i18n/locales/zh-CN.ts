// The reference locale: en-US.ts is typed as `Messages`, so tsc fails when a key is missing or
// extra there. Add keys here first.
const zhCN = {
  app: {
    brand: '汇流 Huiliu',
    loading: '加载中…',
  },
  language: {
    switchTitle: '切换语言',
    'zh-CN': '中文',
    'en-US': 'English',
  },
  common: {
    retry: '重试',
    cancel: '取消',
    save: '保存',
    create: '新建',
    actions: '操作',
    backHome: '返回首页',
    loadFailed: '加载失败',
    requestId: '请求 ID：{{id}}',
  },
  menu: {
    home: '首页',
    settings: '设置',
    integration: '应用集成',
    privateApps: '私有App设置',
  },
  header: {
    tenant: '当前租户',
    logout: '退出登录',
  },
  setup: {
    title: '首次使用',
    subtitle: '初始化汇流：创建租户和超级管理员账号',
    sectionTenant: '租户',
    sectionAdmin: '超级管理员',
    setupToken: {
      label: '一次性初始化令牌',
      placeholder: '粘贴服务器日志中的初始化令牌',
      extra: '服务启动时会把一次性初始化令牌打印在服务器日志中；初始化完成后即失效。',
      required: '请输入初始化令牌',
    },
    tenantName: {
      label: '租户名称',
      placeholder: '例如公司或品牌名称',
      required: '请输入租户名称',
    },
    timeZone: {
      label: '时区',
      placeholder: '搜索时区',
      extra: '日期和报表按此时区统计。收到第一条事件后将无法修改时区。',
      required: '请选择时区',
    },
    name: {
      label: '你的姓名',
      placeholder: '请输入姓名',
      required: '请输入姓名',
    },
    email: {
      label: '邮箱',
      placeholder: 'name@example.com',
      extra: '邮箱即账号，用于登录控制台。',
      required: '请输入邮箱',
      invalid: '请输入有效的邮箱地址',
    },
    password: {
      label: '密码',
      placeholder: '至少 8 个字符',
      required: '请输入密码',
      min: '密码至少 8 个字符',
    },
    confirmPassword: {
      label: '确认密码',
      placeholder: '再次输入密码',
      required: '请再次输入密码',
      mismatch: '两次输入的密码不一致',
    },
    submit: '完成初始化',
  },
  login: {
    subtitle: '客户数据平台 · 运营控制台',
    email: {
      placeholder: '邮箱',
      required: '请输入邮箱',
      invalid: '请输入有效的邮箱地址',
    },
    password: {
      placeholder: '密码',
      required: '请输入密码',
    },
    submit: '登录',
    setupDone: '初始化完成，请使用刚才设置的邮箱和密码登录。',
  },
  home: {
    title: '首页',
    overview: '租户概况',
    tenantName: '租户名称',
    version: '产品版本',
    timeZone: '时区',
    createdAt: '创建时间',
    usage: '使用情况',
    countsEmpty: '暂无使用数据',
    counts: {
      staff: '员工数',
      apps: '私有应用',
    },
  },
  apps: {
    title: '私有App设置',
    description:
      '私有应用用于 Open API 接入：用 appKey 和 appSecret 调用 POST /api/v1/auth/token 换取访问令牌（Bearer Token），再用该令牌调用 Open API。',
    columns: {
      name: '应用名称',
      appKey: 'appKey',
      status: '状态',
      createdAt: '创建时间',
      lastUsedAt: '最近使用时间',
    },
    status: {
      enabled: '启用',
      disabled: '停用',
    },
    neverUsed: '从未使用',
    empty: {
      title: '还没有私有应用',
      description:
        '新建一个私有应用，即可获得 appKey 和 appSecret，用于调用 POST /api/v1/auth/token 换取访问令牌，让你的系统通过 Open API 读写数据。',
    },
    form: {
      name: {
        label: '应用名称',
        placeholder: '例如：CRM 同步',
        required: '请输入应用名称',
        max: '应用名称不能超过 {{max}} 个字符',
      },
    },
    create: {
      button: '新建',
      title: '新建私有应用',
    },
    rename: {
      action: '编辑名称',
      title: '编辑名称',
      success: '名称已更新',
    },
    toggle: {
      enable: '启用',
      disable: '停用',
      disableTitle: '确定停用该应用？',
      disableDescription: '停用后该应用无法再调用 Open API，直到重新启用。',
      enabled: '已启用',
      disabled: '已停用',
    },
    resetSecret: {
      action: '重置密钥',
      title: '确定重置「{{name}}」的密钥？',
      content: '重置后旧的 appSecret 立即失效，使用旧密钥的集成需要改用新密钥。',
      ok: '重置密钥',
    },
    remove: {
      action: '删除',
      title: '确定删除该应用？',
      description: '删除后该应用签发的所有访问令牌立即失效，且无法恢复。',
      ok: '删除',
      success: '应用已删除',
    },
    secret: {
      appSecret: 'appSecret',
      createdTitle: '私有应用已创建',
      resetTitle: '密钥已重置',
      warning: 'appSecret 只显示这一次，关闭后无法再次查看。请立即复制并妥善保存。',
      hint: '使用 appKey 和 appSecret 调用 POST /api/v1/auth/token 换取访问令牌。',
      done: '我已保存',
    },
  },
  pages: {
    notFound: {
      title: '页面不存在',
      subTitle: '你访问的页面不存在或已被移除。',
    },
    forbidden: {
      title: '无权访问',
      subTitle: '你没有访问此页面的权限，请联系管理员。',
    },
    crashed: {
      title: '页面出错了',
      subTitle: '页面渲染时发生错误，请刷新后重试。',
      reload: '刷新页面',
    },
  },
  validation: {
    fieldInvalid: '此项填写有误',
  },
  errors: {
    // Server error codes (see the API's error body `code`).
    unauthenticated: '登录已失效，请重新登录',
    forbidden: '没有权限执行此操作',
    csrf_token_invalid: '页面已过期，请刷新页面后重试',
    not_found: '请求的内容不存在',
    app_not_found: '应用不存在或已被删除',
    internal_error: '服务器内部错误，请稍后重试',
    invalid_json: '请求格式有误',
    payload_too_large: '提交的内容过大',
    time_zone_locked: '已收到事件，时区无法再修改',
    validation_failed: '提交的内容有误，请检查后重试',
    setup_token_invalid: '初始化令牌无效，请核对服务器日志中的令牌',
    setup_already_done: '系统已完成初始化，请直接登录',
    email_taken: '该邮箱已被使用',
    invalid_credentials: '邮箱或密码错误',
    staff_disabled: '该账号已被停用，请联系管理员',
    // Raised by the console itself.
    network_error: '网络连接失败，请检查网络后重试',
    unknown_error: '发生未知错误，请稍后重试',
  },
};

export type Messages = typeof zhCN;
export default zhCN;
