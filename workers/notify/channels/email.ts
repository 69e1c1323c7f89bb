// E-mail over SMTP (nodemailer). SMTP_URL names the server, e.g. smtps://user:pass@mail.example.gov.cn:465.
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mailer {
  send(to: string, subject: string, text: string): Promise<string>;
  close(): void;
}

export function createMailer(opts: { url: string; from: string; timeoutMs: number }): Mailer {
  const transport: Transporter = nodemailer.createTransport(opts.url, {
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
  } as never);
  return {
    async send(to, subject, text) {
      try {
        const info = await transport.sendMail({ from: opts.from, to, subject, text });
        return `accepted by SMTP: ${info.response ?? info.messageId}`;
      } catch (err) {
        throw new Error(`SMTP server refused or failed: ${(err as Error).message}`);
      }
    },
    close: () => transport.close(),
  };
}
