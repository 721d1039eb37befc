package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// hostileDocuments are the shapes that once pinned a core for minutes.
func hostileDocuments() map[string]string {
	var fanOut strings.Builder
	fanOut.WriteString("query { me { ...L39 } } fragment L0 on User { id name }")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&fanOut, " fragment L%d on User { ...L%d ...L%d }", i, i-1, i-1)
	}
	var chain strings.Builder
	chain.WriteString("query { me { ...F0 } }")
	for i := 0; i < 1999; i++ {
		fmt.Fprintf(&chain, " fragment F%d on User { id ...F%d }", i, i+1)
	}
	chain.WriteString(" fragment F1999 on User { id }")
	return map[string]string{
		"fragment fan-out":  fanOut.String(),
		"90,000 fields":     "{ " + strings.Repeat("__typename ", 90000) + "}",
		"2,000 fragments":   chain.String(),
		"unknown fields":    "{ " + strings.Repeat(strings.Repeat("f", 30)+" ", 31000) + "}",
		"1,000 same fields": "{ " + strings.Repeat("me { id } ", 1000) + "}",
	}
}

func TestDocumentLimitsRefuseHostileShapes(t *testing.T) {
	l := DefaultDocumentLimits()
	for name, q := range hostileDocuments() {
		t.Run(name, func(t *testing.T) {
			if err := l.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: q}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// BenchmarkHostileDocuments measures what refusing each shape costs: parsing
// up to the token limit and measuring, both linear in the document.
func BenchmarkHostileDocuments(b *testing.B) {
	l := DefaultDocumentLimits()
	for name, q := range hostileDocuments() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(q)))
			for b.Loop() {
				if err := l.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: q}); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
