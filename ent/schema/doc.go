// Package schema declares Switchboard's data model for ent. Generated code in the
// parent package comes from these files (`make generate`); the GraphQL types,
// connections and filters for them come from the entgql annotations here.
package schema
