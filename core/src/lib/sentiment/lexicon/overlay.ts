/**
 * Huiliu's own Chinese sentiment data (Apache-2.0, written for this project — see README.md here):
 * corrections to the vendored AFINN-165 Chinese translation, the colloquial words of WeChat
 * comments that it lacks, and the rule words (negations, degree adverbs, adversative and
 * concessive conjunctions, WeChat emoticons and emoji). Valences use AFINN's scale, -5 … +5.
 */

/** Whitespace-separated words of a data block. */
function list(block: string): string[] {
  return block.split(/\s+/).filter((word) => word !== '');
}

/** `word:valence` pairs of a data block; lines starting with # are comments. */
function valued(block: string): Record<string, number> {
  const entries: [string, number][] = [];
  for (const line of block.split('\n')) {
    if (line.trim().startsWith('#')) continue;
    for (const pair of list(line)) {
      const colon = pair.lastIndexOf(':');
      entries.push([pair.slice(0, colon), Number(pair.slice(colon + 1))]);
    }
  }
  return Object.fromEntries(entries);
}

/**
 * Single-character entries of the translated list that are kept. The machine translation turned
 * many English words into one ambiguous character (下, 大, 是, 请, 光 …); only these carry their
 * sentiment on their own in comments.
 */
export const KEPT_SINGLE_CHARACTERS: readonly string[] = list(`
丑 伤 假 偷 傻 哭 唉 喜 坏 好 弱 强 恨 恶 悲 惨 慌 懒 毒 烂 烦 爱 甜 痛 瞎 福 穷 笑 笨 累 脏 臭 苦 错 难 骂 暖 败 罪 胜 堵 拖 急 忧
`);

/**
 * Translated entries that are neutral in operators' comments (nouns and verbs the translation gave
 * a valence: 价值, 功能, 问题, 需要 …, and words that are rule words here: 没有, 有点, 不会).
 */
export const EXCLUDED_WORDS: readonly string[] = list(`
上衣 下一 下游 上升 专用 主管 事项 从事 价值 保存 保留 准备 到达 前厅 前锋 功能 加以 加入 协议 原油 句子 后卫 固体 固化 固定 坚果 婴儿 定居点 小姐 小说 山雀 工资 帕利
师爷 常去的地方 常绿 常青 所有格 操作 收费 斜杠 斧头 景点 机会 标题 检察官 检查员 汁液 法律 法律上 沉降 活性 流行 清洁器 灰色 生长 用处 直行 神话 离开 离线 积累 等待
等待着 管它 织布机 织机 维他命 聚焦 船上 范围 落下 补助 要求 视力 解析度 触发器 评论家 说客 转储 转移 连天 迪克 配料 采用 里程碑 金德 铅板 长号 问候 问题 阻力 隔音材料
雨衣 需求 需要 韩元 风扇 香烛 驱蚊 验收 验证 高飞 老张 唐纳 公鸡 取消 没有 不会 不知道 不等 不需要 发射 发放 发展 推出 提交 授权 有点 某些 某种 深深地 无比 大幅 大量的
更大 最大 最低 最高 重点 重要 增加 扩大 扩展 达到 建议 感觉 感情 意义 精神 神经 质量 智能 能力 权力 资产 利润 利益 收益 效用 效益 强度 亮度 公差 偏压 作保 信托 投标
夹持 啮合 动机 勘探 压痛 反响 响亮 呜呼 是啊 早上好 冰雹 冒险 天上 堂堂 小心 引力 张力 强调 录取 征收 雕饰 辨析 判别 鉴别 探究 示范 突击 突破口 第一线 旗舰 秘籍 统一
置信度 直索 矛头 石化的 硫酸 间断 隐藏 预期 领导 宣传 审查 单独 麻烦 八卦 关心 兑现 分流 利用 单调 打折 拉屎 报警 排除 接受 提炼 操纵 放缓 整齐干净 既定 普及 更甜 最穷
最脏 期望 未定 松动 某 注定 消失 清零 灌洗 灌输 特权 玩笑 疑问 真正 着迷 等待 简单 精制 经济实惠 美化 聚焦 背书 被动 被迫 褒 质疑 走出去 超脱 辩护人 进攻
远景 适当 避免 防止 阻碍 需求 震惊 青睐 风险 高级 适合 完整
`);

/** Words added or re-valued (WeChat article comments and messages to an official account). */
export const WORDS: Readonly<Record<string, number>> = valued(`
# praise of content
棒:3 赞:3 点赞:2 好评:3 给力:3 牛:2 牛逼:3 厉害:2 干货:2 实用:2 有用:2 受益匪浅:3 受益:2 学到了:2 学到:2 涨知识:2 长知识:2 有收获:2 收获:2
收获满满:3 精辟:2 透彻:2 到位:2 易懂:2 通俗易懂:3 清晰:2 清楚:1 有料:2 有意思:2 有趣:2 好玩:2 深刻:1 启发:2 精彩:3 写得好:3 说得好:3 说得对:2
讲得好:3 宝藏:2 神仙:2 绝了:2 良心:2 用心:2 走心:2 感动:2 暖心:3 温馨:2 期待:2 加油:2 支持:2 喜欢:2 爱了:3 爱看:2 太好了:3 挺好:2 不错:2
完美:3 推荐:2 惊喜:3 感恩:2 美:2 帅:2 香:2 真香:2 稳:1 爽:2 开心:3 高兴:3 快乐:3 幸福:3 满意:2 舒服:2 舒心:2 省心:2 放心:2 安心:2 靠谱:2
贴心:2 周到:2 热情:2 耐心:2 及时:2 专业:2 细致:2 细心:2 负责:1 认真负责:3 效率高:2 高效:2 顺畅:2 流畅:2 方便:2 便捷:2 便宜:1 快:1 迅速:2
准时:2 新鲜:2 正品:2 划算:2 实惠:2 超值:3 值:1 值得:2 好用:2 好吃:3 好喝:3 好看:2 漂亮:2 可爱:2 优秀:3 优质:2 一流:3 顶:1 强烈推荐:3 回购:2
无限回购:3 忠实:2 老粉:1 铁粉:2 福利:1 优惠:1 感谢:2 谢谢:2 多谢:2 辛苦了:2 辛苦:1 哈哈:1 哈哈哈:2 666:2 yyds:3 进步:2 改善:2 改进:1
解决了:2 搞定:2 成功:2 解决:1 生动:2 顺利:2 认真:2 信任:2 正宗:2 超出预期:3 新意:2 认同:2 客观:1 严谨:2
干净:2 暖:2 有深度:2 深度:1 用心良苦:2 相见恨晚:3 意犹未尽:2 深有同感:2 有道理:2 同感:1 中肯:2
# complaints
差:-2 差劲:-3 很差:-3 太差:-3 坑:-2 坑人:-3 坑爹:-3 垃圾:-3 烂:-3 难用:-3 难吃:-3 难喝:-3 难看:-2 慢:-2 贵:-1 太贵:-2 骗:-3
骗人:-3 骗子:-4 忽悠:-3 割韭菜:-3 智商税:-3 水文:-2 标题党:-3 广告:-1 软文:-2 敷衍:-3 推诿:-3 踢皮球:-3 不理:-2 没人理:-3 没人管:-3
没人回:-3 没人回复:-3 石沉大海:-3 失联:-2 恶心:-3 无语:-2 失望:-3 后悔:-2 生气:-2 气死:-3 气人:-3 崩溃:-3 闹心:-2 心累:-2 糟心:-2 糟糕:-3
离谱:-3 过分:-3 太过分:-3 忍无可忍:-4 取关:-3 取消关注:-3 拉黑:-3 卸载:-2 卡顿:-2 卡:-1 闪退:-3 故障:-2 bug:-2 报错:-2 登不上:-2
打不开:-2 用不了:-2 收不到:-2 连不上:-2 进不去:-2 没法用:-3 拖延:-2 迟迟:-2 一拖再拖:-3 缺货:-1 漏发:-2 错发:-2 破损:-2 变质:-3 过期:-2
假货:-3 虚假:-3 虚假宣传:-4 夸大:-2 误导:-2 乱收费:-3 扣费:-2 乱扣费:-3 霸王条款:-3 套路:-2 不值:-2 浪费:-2 浪费时间:-3 辣眼睛:-2 尴尬:-2
无聊:-2 没意思:-2 呵呵:-1 醉了:-2 服了:-1 不行:-2 不怎么样:-2 没用:-2 没什么用:-2 没啥用:-2 投诉:-2 举报:-2 退款:-1 差评:-3
失败:-2 吐槽:-1 抱怨:-2 烦:-2 烦人:-3 骚扰:-3 刷屏:-2 强制:-2 麻烦死了:-3 复杂:-1 异常:-2 错误:-2 出错:-2 混乱:-2 乱:-1 态度恶劣:-4
恶劣:-3 傲慢:-3 冷漠:-3 不耐烦:-3 粗鲁:-3 没礼貌:-3 不专业:-3 不负责:-3 不负责任:-3 失职:-3 欺骗:-4 诈骗:-4 坑钱:-3 黑心:-4 缩水:-2
偷工减料:-3 不合格:-3 质量差:-3 退订:-1 卡死:-3 死机:-3 崩了:-3 吵:-1 脏乱:-2 太慢:-3 很慢:-3 延迟:-2 扯皮:-3 搞什么:-2 什么鬼:-2 坑死:-3
晕:-1 累:-1 心寒:-3 寒心:-3 伤心:-2 难过:-2 遗憾:-2 可惜:-1 担心:-1 担忧:-2 焦虑:-2 不满:-3 不满意:-3 不爽:-2 不舒服:-2 不方便:-2
不公平:-3 不合理:-2 不靠谱:-3 一般:-1 很一般:-2 错误百出:-3 偏激:-2 不敢苟同:-2 乱七八糟:-3 片面:-2
带节奏:-2 内定:-3 不想看:-2 生硬:-2 读不下去:-2 看不下去:-2 大失所望:-4 怎么回事:-1 白跑一趟:-3 没人接:-2 没人接待:-3
莫名其妙:-2 莫名:-1 烦死:-3 异味:-2 发错:-2 不认账:-3 疼:-2 肚子疼:-2 头疼:-2 无话可说:-2 倒闭:-2 过敏:-2
投诉无门:-4 丢了:-2 没发货:-2 还没发货:-2 没消息:-2 还没消息:-2 没回复:-2 不回复:-2 没人通知:-2 占线:-1 空洞:-2
吐了:-2 水:-1 营销:-1 废话:-2 抄袭:-3 智商:-1 上当:-3 删评:-2 敷衍了事:-3 爱答不理:-3 不如:-1
`);

/** Tokens that are neutral although a piece of them would score (不好意思 is not 不好). */
export const NEUTRAL_PHRASES: readonly string[] = list(`
不好意思 不客气 没关系 没事 不用谢 请问 问一下 问下 不知道 不管 无论 不一定 差不多 好像 好多 好几 好久 多少 不少 只好 好不好 好吗 好的 好滴 好嘞 不然 要不 要不然 差点 一下
难道 不但 不仅 以免 只要 不光 没想到 不得不 快递 快点 快要 尽快 赶快 加快 不见 好友 美国 美元 强调 坏账
`);

/** Negators: an odd number of them flips the valence of the next sentiment word. */
export const NEGATIONS: readonly string[] = list(`
不 没 没有 无 非 莫 勿 未 别 甭 不是 并不 并非 并没有 并没 从不 从没 从未 毫不 毫无 绝不 决不 不要 不太 不怎么 不够 不再 没能 未能 不能 不会 不可能 算不上 谈不上
称不上 从来没 从来不 从来没有 从没有 再也不 再也没
`);

/** Degree adverbs and their multipliers. */
export const DEGREES: Readonly<Record<string, number>> = valued(`
极:2 极其:2 极度:2 极为:2 超级:2 巨:2 贼:1.8 太:1.8 最:2 简直:1.8 实在:1.6 无比:2 万分:2 根本:1.8 完全:1.6 绝对:1.6 彻底:1.8
非常:1.6 特别:1.6 十分:1.6 相当:1.5 真:1.5 真是:1.5 真的:1.5 超:1.6 格外:1.5 尤其:1.5 更:1.4 更加:1.4 越来越:1.4 挺:1.2 蛮:1.2
很:1.3 好:1.4 这么:1.3 那么:1.3 如此:1.4 多么:1.5 有点:0.6 有点儿:0.6 有些:0.6 稍微:0.5 稍:0.5 略:0.5 略微:0.5 比较:0.8
还算:0.7 还:0.8 还是:1 较:0.8
`);

/** Adversative conjunctions: what follows outweighs what came before. */
export const ADVERSATIVES: readonly string[] = list(`
但是 但 可是 不过 然而 只是 却 可惜
`);

/** Concessive conjunctions: the clause they open weighs less. */
export const CONCESSIVES: readonly string[] = list(`
虽然 虽 虽说 尽管 即使 哪怕
`);

/** Courtesy words; inside a question or request they are politeness, not praise. */
export const COURTESIES: readonly string[] = list(`
谢谢 多谢 感谢 辛苦了 麻烦了 拜托 谢啦 谢了
`);

/** Question words (a clause ending in ? or holding one of these words asks rather than judges). */
export const QUESTION_WORDS: readonly string[] = list(`
吗 么 请问 怎么 如何 怎样 什么时候 哪里 哪儿 能不能 可不可以 是否 多久 几点 为何 有没有 是不是 好吗 什么 哪个 哪些 几
`);

/** Request markers: courtesy words in a message holding one are politeness. */
export const REQUEST_WORDS: readonly string[] = list(`
请 请问 求 麻烦 帮 帮忙 帮我 能否 劳驾 拜托 想问 咨询
`);

/** WeChat's bracketed emoticons ([强], [玫瑰] …) as typed in comments and messages. */
export const WECHAT_EMOTICONS: Readonly<Record<string, number>> = valued(`
强:2 赞:2 玫瑰:2 爱心:2 心:2 鼓掌:2 微笑:1 呲牙:2 憨笑:2 愉快:2 偷笑:1 可爱:2 色:2 得意:1 胜利:2 抱拳:1 握手:1 拥抱:2 耶:2 OK:1 庆祝:2
礼物:2 红包:1 太阳:1 爱你:2 亲亲:2 机智:1 好的:1 加油:2 哇:1 嘿哈:1 奸笑:0 捂脸:0 皱眉:-1 弱:-2 心碎:-3 难过:-2 流泪:-2 大哭:-3 发怒:-3
怄火:-3 抓狂:-3 吐:-3 衰:-2 骷髅:-2 便便:-3 炸弹:-2 菜刀:-2 撇嘴:-1 鄙视:-3 委屈:-2 快哭了:-2 白眼:-2 傲慢:-2 囧:-1 尴尬:-1 叹气:-1
苦涩:-2 凋谢:-2 裂开:-2 汗:-1 擦汗:-1 晕:-1 疑问:0 嘘:0 敲打:-1 失望:-2 生病:-1 无语:-2
`);

/** Emoji (by code point sequence) found in comments. */
export const EMOJI: Readonly<Record<string, number>> = valued(`
👍:2 👏:2 ❤:2 ❤️:2 💕:2 💖:2 😍:3 🥰:3 😊:2 😄:2 😁:2 😀:2 🙂:1 😃:2 😆:2 🤗:2 🌹:2 🎉:2 💯:2 🔥:1
✨:1 🙏:1 💪:2 👌:1 🥳:3 😘:2 😎:1 🤩:3 😂:1 🤣:1 😅:0 🤔:0 😐:0 😑:-1 🙄:-2 😒:-2 😞:-2 😔:-2 😟:-2
😢:-2 😭:-2 😡:-3 😠:-3 🤬:-4 😤:-2 💔:-3 👎:-3 🤮:-3 🤢:-2 😩:-2 😫:-2 😓:-1 😰:-2 😱:-2 💩:-3
😖:-2 😣:-2 🙁:-2 ☹:-2 ☹️:-2
`);
