import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../config/config.js';

/** One mail: text and HTML bodies of the same content. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sending failed. `retryable`: the server or the network may accept it later (4xx, timeouts, refused connections). */
export class MailSendError extends Error {
  constructor(
    readonly retryable: boolean,
    /** nodemailer's code (`ECONNECTION`, `EAUTH`, `EENVELOPE`…) and the SMTP reply code, when known. */
    readonly smtpCode: string | undefined,
    readonly responseCode: number | undefined,
  ) {
    // No server reply in the message: a refusal quotes the recipient's address.
    super(`mail not sent (${smtpCode ?? 'error'}${responseCode ? ` ${responseCode}` : ''})`);
    this.name = 'MailSendError';
  }
}

/** Huiliu's outgoing mail (kernelServices.mailer). */
export interface Mailer {
  /** Whether an SMTP server is configured (`mail.smtp`); when not, `send` throws. */
  readonly configured: boolean;
  send(message: MailMessage): Promise<void>;
}

/** Connection limits: a dead server must fail a task attempt in seconds, not nodemailer's minutes. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends through the configured SMTP server with nodemailer, one connection per mail (Huiliu sends
 * few mails; no pool to keep or close). The password goes to the server only: nodemailer's own
 * logger stays off, and errors carry codes, not the server's reply.
 */
export class SmtpMailer implements Mailer {
  constructor(private readonly smtp: SmtpSettings | undefined) {}

  get configured(): boolean {
    return this.smtp !== undefined;
  }

  async send(message: MailMessage): Promise<void> {
    const smtp = this.smtp;
    if (!smtp) throw new MailSendError(false, 'ENOTCONFIGURED', undefined);
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      ...TIMEOUTS,
      logger: false,
      debug: false,
      // Mails are built from our own strings: never read a file or a URL into one.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      await transport.sendMail({ from: smtp.from, ...message });
    } catch (error) {
      throw toMailSendError(error);
    } finally {
      transport.close();
    }
  }
}

function toMailSendError(error: unknown): MailSendError {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const reply = typeof responseCode === 'number' ? responseCode : undefined;
  // 5xx is the server's final answer (bad credentials, rejected sender or recipient); 4xx and
  // failures without a reply (refused connection, timeout, TLS) may pass later.
  const retryable = reply === undefined || reply < 500;
  return new MailSendError(retryable, typeof code === 'string' ? code : undefined, reply);
}
