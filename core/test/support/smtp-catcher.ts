import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SmtpSettings } from '../../src/config/config.js';

/** A mail the catcher accepted, parsed. */
export interface CaughtMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A real SMTP server on a loopback port (smtp-server) that keeps every mail it accepts, parsed
 * with mailparser. `refuse(code)` makes it answer new connections with that reply (421: try
 * later); `close()` takes it down (connections refused).
 */
export class SmtpCatcher {
  readonly mails: CaughtMail[] = [];
  /** Logins the server saw (user names only). */
  readonly logins: string[] = [];
  private refusal: number | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  /** Starts a catcher; with `auth`, a client must log in with exactly these credentials. */
  static async start(options: { auth?: { user: string; password: string } } = {}): Promise<SmtpCatcher> {
    // The server's handlers run once the catcher exists (after listen).
    const self: { catcher?: SmtpCatcher } = {};
    const server = new SMTPServer({
      logger: false,
      // Plain SMTP on loopback: no STARTTLS (its self-signed certificate would fail the client's check).
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      onConnect(_session, callback) {
        if (self.catcher?.refusal) return callback(Object.assign(new Error('not now'), { responseCode: self.catcher.refusal }));
        callback();
      },
      onAuth(auth, _session, callback) {
        if (auth.username === options.auth?.user && auth.password === options.auth?.password) {
          self.catcher?.logins.push(auth.username ?? '');
          return callback(null, { user: auth.username });
        }
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          simpleParser(Buffer.concat(chunks))
            .then((parsed) => {
              self.catcher?.mails.push({
                to: session.envelope.rcptTo.map((r) => r.address),
                from: parsed.from?.text ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self.catcher = new SmtpCatcher(server, (server.server.address() as AddressInfo).port);
    return self.catcher;
  }

  /** `mail.smtp` settings pointing at this catcher. */
  settings(extra: Partial<SmtpSettings> = {}): SmtpSettings {
    return { host: '127.0.0.1', port: this.port, secure: false, from: '汇流 <noreply@huiliu.test>', ...extra };
  }

  /** Answers new connections with this SMTP reply code (421, 554…); `undefined` accepts again. */
  refuse(code: number | undefined): void {
    this.refusal = code;
  }

  /** Mails to `address`. */
  mailsTo(address: string): CaughtMail[] {
    return this.mails.filter((mail) => mail.to.includes(address));
  }

  /** Waits for the `count`-th mail to `address` (polling), and returns it. */
  async waitForMail(address: string, count = 1, timeoutMs = 15_000): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mails = this.mailsTo(address);
      if (mails.length >= count) return mails[count - 1]!;
      if (Date.now() > deadline) throw new Error(`no mail #${count} to ${address} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops listening (new connections are refused); idempotent. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => this.server.close(() => resolve()));
    return this.closed;
  }
}

/** The reset link in a mail's text (`…/reset-password?token=…`). */
export function resetLinkIn(mail: CaughtMail): URL {
  const match = /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_%-]+/.exec(mail.text);
  if (!match) throw new Error(`no reset link in the mail: ${mail.text}`);
  return new URL(match[0]);
}
