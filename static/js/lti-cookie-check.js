// Inside a learning platform's iframe: goes on with the LTI login when this browser keeps a cookie set here,
// else shows why the login must go on in a new window (the link is on the page either way).
const card = document.querySelector("[data-lti-cookie-check]");
const secure = location.protocol === "https:" ? "; SameSite=None; Secure" : "";
document.cookie = `lti_cookie_check=1; path=/lti/; max-age=60${secure}`;
if (document.cookie.includes("lti_cookie_check=1")) {
  location.replace(card.dataset.goOn);
} else {
  card.querySelector("[data-blocked]").hidden = false;
}
