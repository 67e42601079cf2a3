/**
 * What the demo shop's official-account followers write (`huiliu demo`, ADR 0030 / 0047): comments
 * under its articles (微信图文留言, `wechat_comment_article`) and messages to the account (留言文本,
 * `wechat_send_text`), the input of a sentiment tag. A pool of its own — not the analyzer's test
 * sample (core/test/fixtures/sentiment) — with the label a person gives each text, so that the
 * analyzer's accuracy on texts it was not tuned on can be measured too.
 */

export type DemoCommentLabel = 'positive' | 'neutral' | 'negative';

export interface DemoComment {
  text: string;
  label: DemoCommentLabel;
}

const entries = (block: string, label: DemoCommentLabel): DemoComment[] =>
  block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((text) => ({ text, label }));

/** The shop's articles (the comments' `s_articleTitle`), with their `msg_data_id`. */
export const DEMO_ARTICLES: readonly { msgDataId: string; index: number; title: string; about: readonly string[] }[] = [
  { msgDataId: '2247483701', index: 1, title: '双12 狂欢节：全场满 299 减 50', about: ['满', '活动', '零点'] },
  { msgDataId: '2247483701', index: 2, title: '冷萃咖啡液的 5 种喝法', about: ['咖啡', '喝法'] },
  { msgDataId: '2247483715', index: 1, title: '冬季护肤，先把洁面做对', about: ['洁面', '护肤', '敏感肌'] },
  { msgDataId: '2247483729', index: 1, title: '新品上架｜云朵抱枕升级款', about: ['抱枕'] },
  { msgDataId: '2247483729', index: 2, title: '每日坚果怎么吃才健康', about: ['坚果'] },
  { msgDataId: '2247483742', index: 1, title: '会员日福利：积分翻倍兑好礼', about: ['积分'] },
  { msgDataId: '2247483756', index: 1, title: '降噪耳机选购指南', about: ['耳机'] },
  { msgDataId: '2247483770', index: 1, title: '年终盘点：这一年你们最爱的 10 件好物', about: ['盘点', '第 7 件'] },
];

/** Comments under the articles. */
export const DEMO_ARTICLE_COMMENTS: readonly DemoComment[] = [
  ...entries(
    `
    第二种喝法试了，加燕麦奶绝了
    这期的护肤知识很实用，终于知道为什么冬天脸会干
    抱枕升级款摸起来更软了，已经下单两个
    年终盘点里好几件我都买过，确实好用
    小编整理得好认真，收藏了
    坚果的搭配建议很有参考价值，谢谢分享
    耳机选购指南写得比测评博主还清楚
    满减力度可以，囤了一箱咖啡液
    每次看你们的推文都很舒服，排版干净
    积分翻倍太香了，换了一套四件套
    去年买的乳胶枕到现在都很好，今年再给爸妈买一对
    客观不吹，这篇值得转发
    `,
    'positive',
  ),
  ...entries(
    `
    满 299 减 50 可以和优惠券一起用吗
    冷萃咖啡液孕妇可以喝吗
    洁面乳是氨基酸的还是皂基的
    抱枕能机洗吗
    每日坚果有没有无糖的
    积分什么时候到账
    耳机支持 LDAC 吗
    第 7 件是哪个牌子
    活动到几号结束
    小程序里也能参加吗
    想知道敏感肌用哪款
    已经加入购物车了，等零点
    `,
    'neutral',
  ),
  ...entries(
    `
    满减门槛太高了，凑单凑得头疼
    上次买的咖啡液有一盒漏了，还没给处理
    这个洁面我用了过敏，别跟风
    抱枕洗了一次就变形了
    坚果里好几颗都是哈喇味的
    积分兑换的东西根本抢不到，套路
    耳机降噪效果一般，对不起这个价格
    推文里的价格和下单价格不一样，误导人
    `,
    'negative',
  ),
];

/** Messages sent to the official account. */
export const DEMO_MESSAGES: readonly DemoComment[] = [
  ...entries(
    `
    快递今天到了，包装很仔细，谢谢
    客服回复好快，问题解决了
    四件套颜色比图片还好看，很满意
    给你们的售后点个赞，换货很顺利
    第一次买就收到小礼物，开心
    咖啡液很好喝，已经推荐给同事
    防晒霜不油不闷，夏天还会回购
    瑜伽垫防滑效果很好，厚度刚刚好
    `,
    'positive',
  ),
  ...entries(
    `
    你好，订单号 DO2026110400123 什么时候发货
    请问可以开发票吗
    我想改一下收货地址
    会员等级怎么升级
    快充头支持苹果手机吗
    在吗，咨询一下退换货
    积分
    门店地址发一下
    请问坚果的保质期是多久
    运动 T 恤有 XXL 吗
    人工
    怎么查物流
    `,
    'neutral',
  ),
  ...entries(
    `
    下单五天了还没发货，能不能快点
    收到的键盘少了一个键帽，太粗心了
    精华液是漏的，盒子全湿了，要求退款
    客服一直不回消息，怎么回事
    说好的赠品呢？又被忽悠了
    退款申请三天了没人处理，很失望
    耳机用了一周右耳就没声音了
    买贵了，隔天就降价，也不给保价
    `,
    'negative',
  ),
];
