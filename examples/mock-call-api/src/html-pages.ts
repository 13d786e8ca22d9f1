/** The HTML error pages the reference server (Flask/Werkzeug) sends, by status. */
const PAGES: Readonly<Record<number, { title: string; text: string }>> = {
  400: { title: 'Bad Request', text: 'The browser (or proxy) sent a request that this server could not understand.' },
  404: {
    title: 'Not Found',
    text: 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
  },
  405: { title: 'Method Not Allowed', text: 'The method is not allowed for the requested URL.' },
  415: {
    title: 'Unsupported Media Type',
    text: 'Did not attempt to load JSON data because the request Content-Type was not &#39;application/json&#39;.',
  },
  500: {
    title: 'Internal Server Error',
    text: 'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
  },
  503: {
    title: 'Service Unavailable',
    text: 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems.  Please try again later.',
  },
};

/** A Werkzeug-style HTML error page for `status`; `text` replaces the default paragraph. */
export function htmlErrorPage(status: number, text?: string): string {
  const page = PAGES[status] ?? { title: 'Error', text: 'An error occurred.' };
  const paragraph = text === undefined ? page.text : escapeHtml(text);
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${page.title}</title>\n<h1>${page.title}</h1>\n<p>${paragraph}</p>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}
