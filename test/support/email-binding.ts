/** The one recipient the test `send_email` binding accepts (as a verified destination would be). */
export const BINDING_RECIPIENT = "reader@example.com";
