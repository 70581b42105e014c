package audit_test

import (
	"testing"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/audit/audittest"
)

func TestMemoryContract(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Opener {
		var m *audit.Memory
		return func(t *testing.T, c audit.Chain) audit.Log {
			if m == nil {
				m = audit.NewMemory(c)
			}
			return m
		}
	})
}
