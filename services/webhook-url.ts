// Where a webhook may point: https (plain http only to this machine's loopback, e.g. a local relay — the robot
// key travels in the URL), no credentials in the URL, a host on the allow-list.
// Checked when an admin saves a target (the API) and again when a notice is sent (the worker).

/** Why this URL may not be used as a webhook target, or null. Hosts match exactly or as "*.suffix". */
export function webhookUrlProblem(raw: string, allowedHosts: readonly string[]): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `uses ${u.protocol} — only http and https are allowed`;
  if (u.username || u.password) return 'must not carry a user name or password';
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost';
  if (u.protocol === 'http:' && !loopback)
    return 'uses plain http — the robot key and the notices would travel unencrypted; use https';
  const ok = allowedHosts.some((h) => {
    const a = h.trim().toLowerCase();
    return a !== '' && (a.startsWith('*.') ? host.endsWith(a.slice(1)) : host === a);
  });
  return ok
    ? null
    : `host ${host} is not on the webhook allow-list (WEBHOOK_ALLOWED_HOSTS: ${allowedHosts.join(', ') || 'empty'})`;
}
