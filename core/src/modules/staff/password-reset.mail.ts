import type { MailMessage } from '../../lib/mailer.js';

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The password reset mail: Chinese first, then English, in one mail (the server does not know
 * which language the staff member reads), as text and as simple HTML.
 */
export function passwordResetMail(input: { to: string; name: string; link: string; minutes: number }): MailMessage {
  const { name, link, minutes } = input;
  const text = [
    `${name}，你好：`,
    '',
    `我们收到了重置你的汇流账号密码的申请。请在 ${minutes} 分钟内打开下面的链接设置新密码（链接只能使用一次）：`,
    '',
    link,
    '',
    '如果不是你本人申请的，请忽略这封邮件，你的密码不会改变。',
    '',
    '----',
    '',
    `Hello ${name},`,
    '',
    `We received a request to reset the password of your Huiliu account. Open the link below within ${minutes} minutes to set a new password (it works once):`,
    '',
    link,
    '',
    'If you did not ask for this, ignore this mail: your password stays as it is.',
    '',
  ].join('\n');
  const safeName = escapeHtml(name);
  const safeLink = escapeHtml(link);
  const button = (label: string) =>
    `<p><a href="${safeLink}" style="display:inline-block;padding:8px 16px;background:#1677ff;color:#fff;border-radius:6px;text-decoration:none">${label}</a></p>`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px;line-height:1.6;color:#1f1f1f">',
    `<p>${safeName}，你好：</p>`,
    `<p>我们收到了重置你的汇流账号密码的申请。请在 ${minutes} 分钟内点击下面的按钮设置新密码（链接只能使用一次）：</p>`,
    button('重置密码'),
    `<p style="word-break:break-all;color:#595959">${safeLink}</p>`,
    '<p>如果不是你本人申请的，请忽略这封邮件，你的密码不会改变。</p>',
    '<hr style="border:none;border-top:1px solid #e5e5e5">',
    `<p>Hello ${safeName},</p>`,
    `<p>We received a request to reset the password of your Huiliu account. Click the button below within ${minutes} minutes to set a new password (it works once):</p>`,
    button('Reset password'),
    `<p style="word-break:break-all;color:#595959">${safeLink}</p>`,
    '<p>If you did not ask for this, ignore this mail: your password stays as it is.</p>',
    '</body></html>',
  ].join('\n');
  return { to: input.to, subject: '重置汇流密码 / Reset your Huiliu password', text, html };
}
