package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// SubscriptionEnd is a gqlgen extension that lets a subscription end with an
// error the client sees. gqlgen keeps the errors a resolver adds only while
// the subscription starts; one added later, when its stream ends (a slow
// subscriber cut off, access withdrawn), would be dropped with the closed
// channel. A resolver calls EndWithError before closing its channel, and the
// error goes out as one last response before "complete".
type SubscriptionEnd struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = SubscriptionEnd{}

// ExtensionName names the extension for gqlgen.
func (SubscriptionEnd) ExtensionName() string { return "SubscriptionEnd" }

// Validate accepts any schema.
func (SubscriptionEnd) Validate(graphql.ExecutableSchema) error { return nil }

type endKey struct{}

// subscriptionEnd holds the error a subscription ended with, until sent.
type subscriptionEnd struct {
	mu  sync.Mutex
	err error
}

// InterceptOperation gives each subscription a place for its final error.
func (SubscriptionEnd) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, endKey{}, &subscriptionEnd{})
	}
	return next(ctx)
}

// InterceptResponse sends the final error once the stream has ended.
func (SubscriptionEnd) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil {
		return resp
	}
	end, _ := ctx.Value(endKey{}).(*subscriptionEnd)
	if end == nil {
		return nil
	}
	end.mu.Lock()
	err := end.err
	end.err = nil
	end.mu.Unlock()
	if err == nil {
		return nil
	}
	graphql.AddError(ctx, err)
	return &graphql.Response{Errors: graphql.GetErrors(ctx)}
}

// EndWithError records why a subscription's stream ends; call it before the
// resolver closes its channel.
func EndWithError(ctx context.Context, err error) {
	if end, _ := ctx.Value(endKey{}).(*subscriptionEnd); end != nil && err != nil {
		end.mu.Lock()
		end.err = err
		end.mu.Unlock()
	}
}
