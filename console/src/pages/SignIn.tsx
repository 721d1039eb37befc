// Sign-in with email and password (login), or with an API token.
import { useState, type FormEvent } from "react";
import { graphql } from "../gql";
import { ApiError, request, setToken } from "../api";

const LoginDoc = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { token expiresAt }
  }
`);

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [apiToken, setApiToken] = useState("");
  const [error, setError] = useState("");

  const withPassword = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    try {
      const r = await request(LoginDoc, { email, password });
      setToken(r.login.token, true);
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The server could not be reached.");
    }
  };

  const withToken = (e: FormEvent) => {
    e.preventDefault();
    setToken(apiToken.trim());
    onSignedIn();
  };

  return (
    <main className="signin">
      <h1>Switchboard</h1>
      <form onSubmit={withPassword} aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <label>
          Email
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
      <form onSubmit={withToken} aria-labelledby="token-title">
        <h2 id="token-title">Or use an API token</h2>
        <label>
          API token
          <input type="password" value={apiToken} onChange={(e) => setApiToken(e.target.value)} required />
        </label>
        <button type="submit">Use token</button>
      </form>
    </main>
  );
}
