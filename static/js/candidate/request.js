// Requests of the candidate's pages. No session token: the sitting's link in the URL authorises every
// request, so a lost or unreadable session cookie costs nothing.

export function request(url, body) {
  const options = { headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options);
}

// The message of an error in the documented shape ({"error": {"message": ...}}), or what happened.
export async function errorMessage(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return `The server answered ${response.status}.`;
  }
}
