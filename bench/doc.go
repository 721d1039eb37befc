// Package bench is switchboard's load tool: it drives a running server the way
// its clients do and reports what that costs the server. RunIdle holds many
// idle agent connections and reads the server's memory and goroutines per
// connection.
package bench
