package graph

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestMarshalSliceInOrder: each element is marshalled in order with its index
// in the field context, and a panicking element becomes null with an error
// at its path while the others stay.
func TestMarshalSliceInOrder(t *testing.T) {
	quiet := func(context.Context, any) error { return errors.New("internal error") }
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, quiet)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{})
	var order []int
	got := marshalSliceInOrder(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if idx := graphql.GetFieldContext(ctx).Index; idx == nil || *idx != i {
			t.Errorf("element %d: field context index %v", i, idx)
		}
		order = append(order, i)
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalString(strconv.Itoa(i))
	})
	var buf bytes.Buffer
	got.MarshalGQL(&buf)
	if buf.String() != `["0",null,"2"]` {
		t.Errorf("marshalled %s", buf.String())
	}
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Errorf("order %v", order)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || len(errs[0].Path) != 1 || errs[0].Path[0] != ast.PathIndex(1) {
		t.Errorf("errors %v", errs)
	}
}
