// Requests of the candidate's pages. No session token: the sitting's link in the URL authorises every
// request, so a lost or unreadable session cookie costs nothing. They ask for the page's language: the
// server's messages (a refused answer, time up) then read like the page.

export function request(url, body) {
  const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" };
  const options = { headers, credentials: "same-origin" };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options);
}

// The message of an error in the documented shape ({"error": {"message": ...}}), or what happened.
export async function errorMessage(response, messages) {
  try {
    return (await response.json()).error.message;
  } catch {
    return messages.text("serverAnswered", { status: response.status });
  }
}
