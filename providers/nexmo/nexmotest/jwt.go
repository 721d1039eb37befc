package nexmotest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The application's key pair the fake starts with: DefaultPublicKey is the
// application's keys.public_key, which checks the Bearer JWTs of the Messages
// API and of Secure Inbound Media, and DefaultPrivateKey (PKCS#8, as the
// Vonage Dashboard downloads it) is what an account's privateKey must be to
// sign them. A fixed 2048-bit pair made for these tests only, so that no test
// waits for an RSA key to be generated.
const (
	DefaultPrivateKey = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCkEm21EYqajwUW
IWkKdSkv+PGTNS8Eixmt/3tlmx0Wp+ysMgxhMXaaZKHys8QOUxdy+OcQB4tCs5ua
MGbpZzgUxZRZuL0UVTi59tualxJqyxfSxiuQeNOq0nln3o6KqbSyd0DpU2uCQ5Q6
hwdmrKKet695o+FwFCDMZEd8BPQlqFYic8N0zmr+4qJZh7T5DjhSyTaWpE99cWsB
FTT2AsqSI42n/BMWyjGDiU1dK3VFqtuxEDZcRu04D81SwIlBv+HC/6Nn+1mD1bDr
VADXWPNE0vfG34KNSjRjSmRw8h0vJ9A5UMOX8C8nc8WT1xUkzPX3jRCtC46afr7q
ru/QFYYnAgMBAAECggEAB2FMbc6EfKMXq5REjGb5VTVhiTZLtdMbjEzHiRCUmuFi
NahDD7FXY4BItPxdqPbkDgf6VymK6JNGpp748Hr0Au8uPWjs/5FwlBQLP1iYFS8R
R8OIaYVRB0gg+nyaAcyHZ1dFsRkcM8eEm96Ma5OZW87pLDoKzAbqJyqqX0twjF8D
4rriYVCoFXAnnCtaeCDK++KQYGy+4cYSGf2Cb43oej+yfTqYph62aS+p4tiujLEK
/Do8ovp9qmDM3d+g7osfJYBPeCMUbeFh7PABAuC5MVKy2fYbETNMZHEgYIuONiUg
Wz99honh4omuj+K+Pgw8WBvQbrw7pLlxgwiQukq3LQKBgQDa0uzRMxZw7WW+KvS3
hmDLERDeFDedgfQMAANWjfHDalsd6MecsnNCvTvudDSZWNzX0JDnBMH2FDXJLLQO
2cjyq8SAvfEvHe7DvN3lsi9J/Ta3Fa7bXELwXyyBjEryOyame+sv3TZzu7Gx1CYe
b/qWEFfZLzzXtsAi4qBs9QLUawKBgQC/8jxmlLfzbOcNBXmsIZaRrhFsIMCF0mIR
/x1qm0XrmrYOu+f95eJlv1/e0WX25EBjK7EA9Rl8jqtr/vY4X9BwIGNI57Oa3rKR
uhvLm8+tvUXLqMvT4S49o286o+jrUwgpj0enXtRE0dxLasBMJoQ8QDlYynTuTFZs
MUhF1gGkNQKBgHWKZSC+Q2inbEZpBohqSyXo5dmUnIcjnfawLxrYJiwkvgrj1g0q
odUQltewXeydGgtnAd7F5HYNRxLny1RK0bDgaS4KWTpI5s8HbV4Lh3FD7ZcMs58r
AN3jEaIIvN0+vrUgzSUpuy0RfhKadVtWJRFkd/u2bwUkKjLS7v934Gw/AoGBALZC
t+PYF4vHvuV4a35tLmIKXXTE7MqlaIYaLr6JzizX7UO0XaeTYBSpUclsIFv9hL4m
QJ7eHWNOvauAoCALqwqtVlll2f+Wswz5IWeG/f7FmL63+0OnsJbK19VgysyZPUjp
Smq8+uaWN45NQWeNs0ba3RlYtQuJ5Q47BZt6iHh5AoGACrUlN1JY1/N1oOO016l7
SRQS0xrBkW7ISKCcN2oRPLBBqrSoKqcV7B5Di6u/kyQv90TuBnanrEdx5cVGwh4O
RFyPqYrrt4W7BMti1VF/WnECfOm4td/74e6n36bETUV2EHZjMpBvRU5XSdZ9ci+q
MKDDSLkEq7QRo8fcHRpL+DA=
-----END PRIVATE KEY-----
`
	DefaultPublicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApBJttRGKmo8FFiFpCnUp
L/jxkzUvBIsZrf97ZZsdFqfsrDIMYTF2mmSh8rPEDlMXcvjnEAeLQrObmjBm6Wc4
FMWUWbi9FFU4ufbbmpcSassX0sYrkHjTqtJ5Z96Oiqm0sndA6VNrgkOUOocHZqyi
nreveaPhcBQgzGRHfAT0JahWInPDdM5q/uKiWYe0+Q44Usk2lqRPfXFrARU09gLK
kiONp/wTFsoxg4lNXSt1RarbsRA2XEbtOA/NUsCJQb/hwv+jZ/tZg9Ww61QA11jz
RNL3xt+CjUo0Y0pkcPIdLyfQOVDDl/AvJ3PFk9cVJMz1940QrQuOmn6+6q7v0BWG
JwIDAQAB
-----END PUBLIC KEY-----
`
)

// GenerateKeyPair makes a new 2048-bit RSA key pair, PEM-encoded as Vonage
// hands them out: the private key PKCS#8, the public key PKIX. It takes a
// noticeable fraction of a second; use DefaultPrivateKey where any key will do.
func GenerateKeyPair() (privatePEM, publicPEM string) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("nexmotest: generate key: " + err.Error())
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
}

// SetPublicKey sets the application's public key (keys.public_key), as
// generating new keys in the Dashboard does: from then on only JWTs signed
// with its private key are accepted.
func (a *API) SetPublicKey(publicPEM string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	keys, _ := a.app["keys"].(map[string]any)
	if keys == nil {
		keys = map[string]any{}
		a.app["keys"] = keys
	}
	keys["public_key"] = publicPEM
}

// bearer is the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// VerifyToken checks token as Vonage checks the JWT of an API call and
// returns its claims: three base64url parts, header alg RS256, a signature
// the application's current public key verifies, application_id the
// application's, a jti, an iat, and an exp after the fake's clock (nbf, when
// present, not after it). It is written without a JWT library, so that it
// checks the provider's signing independently.
func (a *API) VerifyToken(token string) (map[string]any, error) {
	a.mu.Lock()
	keys, _ := a.app["keys"].(map[string]any)
	pubPEM, _ := keys["public_key"].(string)
	now := a.now()
	a.mu.Unlock()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT: want three dot-separated parts")
	}
	enc := base64.RawURLEncoding
	var header struct {
		Alg string `json:"alg"`
	}
	hb, err := enc.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &header) != nil {
		return nil, errors.New("the JWT header is not base64url JSON")
	}
	if header.Alg != "RS256" {
		return nil, fmt.Errorf("the JWT is signed %q, not RS256", header.Alg)
	}
	pub, err := publicKey(pubPEM)
	if err != nil {
		return nil, err
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("the JWT signature is not base64url")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return nil, errors.New("the JWT signature does not verify under the application's public key")
	}
	pb, err := enc.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("the JWT payload is not base64url")
	}
	var claims map[string]any
	if err := json.Unmarshal(pb, &claims); err != nil || claims == nil {
		return nil, errors.New("the JWT payload is not a JSON object")
	}
	if app, _ := claims["application_id"].(string); app != a.appID {
		return nil, fmt.Errorf("the JWT is for application %q, not %q", app, a.appID)
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		return nil, errors.New("the JWT has no jti")
	}
	if _, ok := claims["iat"].(float64); !ok {
		return nil, errors.New("the JWT has no iat")
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return nil, errors.New("the JWT has no exp")
	}
	if !now.Before(time.Unix(int64(exp), 0)) {
		return nil, errors.New("the JWT has expired")
	}
	if nbf, ok := claims["nbf"].(float64); ok && now.Before(time.Unix(int64(nbf), 0)) {
		return nil, errors.New("the JWT is not valid yet (nbf)")
	}
	return claims, nil
}

// publicKey reads the application's public key: PKIX ("PUBLIC KEY"), as
// Vonage shows it, or PKCS#1 ("RSA PUBLIC KEY").
func publicKey(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("the application has no readable public key")
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
	}
	if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("the application's public key is not an RSA key")
}
