/**
 * `jane.doe@example.com` → `j***@example.com`. Events and logs carry only this form. Anything that
 * is not an address at all becomes `***`, so a malformed value can never leak through.
 */
export function maskEmail(email: string): string {
  const value = email.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  const domain = value.slice(at + 1);
  if (at < 1 || domain.length === 0 || /[\s@]/u.test(domain)) return '***';
  const [first = ''] = Array.from(value.slice(0, at));
  return `${/[\s@*]/u.test(first) ? '' : first}***@${domain}`;
}
