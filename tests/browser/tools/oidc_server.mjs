// A real OpenID Connect provider (the npm package oidc-provider) standing in for the
// government's unified identity system in the browser tests. Any login name signs in
// (its development login form); the claims are the login name as staff_number, plus
// whatever OIDC_ACCOUNTS (JSON: login -> extra claims) gives for that login.
//
//   node oidc_server.mjs <port> <redirect_uri>
// prints "ready" once it listens on 127.0.0.1:<port>.
import Provider from "oidc-provider";

const [port, redirectUri] = process.argv.slice(2);
const extra = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "windowcert",
      client_secret: "local-test-secret",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: {
    openid: ["sub"],
    profile: ["name", "staff_number", "phone_number"],
    email: ["email"],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: id, staff_number: id, ...(extra[id] || {}) };
      },
    };
  },
  pkce: { required: () => true },
  cookies: { keys: ["local-test-cookie-key"] },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  console.log("ready");
});
