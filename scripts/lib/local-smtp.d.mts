// Types for the tests that import local-smtp.mjs.
export const SINK_PORT: number;
export const SINK_URL: string;
export const MAIL_SINK: {
  name: string;
  entry: string;
  colour: number;
  condense: boolean;
};
export function localSinkPort(smtpUrl: string | undefined): number | undefined;
