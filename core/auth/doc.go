// Package auth decides who is calling: API tokens and login sessions (only their
// SHA-256 stored, the token shown once), passwords (bcrypt), and the users an admin
// manages. It turns a bearer token into a core.Viewer that the data layer then uses
// to confine every query to the viewer's tenant.
package auth
