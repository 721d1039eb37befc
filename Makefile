# Switchboard. `make run` starts the server; `make test` runs the whole suite.
GO ?= go
DATA_DIR ?= ./data

.PHONY: run test generate build bench fuzz vet check-generated

run:
	$(GO) run ./cmd/switchboard serve --data-dir $(DATA_DIR)

build:
	$(GO) build -o bin/switchboard ./cmd/switchboard

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

# Regenerates ent (and graph/ent.graphql through entgql), then gqlgen, then
# genqlient, in that order: each step reads what the previous one wrote.
generate:
	$(GO) run -mod=mod ./ent/entc.go
	$(GO) tool gqlgen generate --config gqlgen.yml
	$(GO) tool genqlient client/genqlient.yaml
