// The column-expression parser (common/frame_expression.h): precedence and associativity, every
// token, and every error form with the column it names.
#include "common/frame_expression.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace brisk {
namespace {

// The tree as an S-expression: (op arg...), columns bare, literals as i:5, f:0.5, s:'x', true.
std::string Show(const FrameExpr& e) {
  switch (e.kind) {
    case FrameExpr::Kind::kColumn:
      return e.text;
    case FrameExpr::Kind::kInt:
      return absl::StrCat("i:", e.int_value);
    case FrameExpr::Kind::kFloat:
      return absl::StrCat("f:", e.float_value);
    case FrameExpr::Kind::kString:
      return absl::StrCat("s:'", e.text, "'");
    case FrameExpr::Kind::kBool:
      return e.bool_value ? "true" : "false";
    case FrameExpr::Kind::kOp:
      break;
  }
  std::string out = absl::StrCat("(", FrameExprOpName(e.op));
  for (const FrameExpr& a : e.args) absl::StrAppend(&out, " ", Show(a));
  return out + ")";
}

std::string Parsed(const std::string& text) {
  absl::StatusOr<FrameExpr> e = ParseFrameExpression(text);
  if (!e.ok()) return absl::StrCat("error: ", e.status().message());
  return Show(*e);
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<FrameExpr> e = ParseFrameExpression(text);
  if (e.ok()) return "parsed: " + Show(*e);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(e.status().message());
}

TEST(FrameExpressionParse, ArithmeticBindsTighterThanComparisonThanNotThanAndThanOr) {
  EXPECT_EQ(Parsed("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(Parsed("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(Parsed("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(Parsed("a / b % c * d // e"), "(// (* (% (/ a b) c) d) e)");
  EXPECT_EQ(Parsed("a // -b"), "(// a (- b))");
  EXPECT_EQ(Parsed("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(Parsed("-a * b"), "(* (- a) b)");
  EXPECT_EQ(Parsed("a + b > c * 2"), "(> (+ a b) (* c i:2))");
  EXPECT_EQ(Parsed("not a == b"), "(not (== a b))");
  EXPECT_EQ(Parsed("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(Parsed("a and b or c"), "(or (and a b) c)");
  EXPECT_EQ(Parsed("a | b & c"), "(or a (and b c))");
  EXPECT_EQ(Parsed("a > 1 & b < 2"), "(and (> a i:1) (< b i:2))");
  EXPECT_EQ(Parsed("~a | not not b"), "(or (not a) (not (not b)))");
  EXPECT_EQ(Parsed("a and b and c"), "(and (and a b) c)");
}

TEST(FrameExpressionParse, EveryComparisonOperator) {
  EXPECT_EQ(Parsed("a == 1"), "(== a i:1)");
  EXPECT_EQ(Parsed("a != 1"), "(!= a i:1)");
  EXPECT_EQ(Parsed("a < 1"), "(< a i:1)");
  EXPECT_EQ(Parsed("a <= 1"), "(<= a i:1)");
  EXPECT_EQ(Parsed("a > 1"), "(> a i:1)");
  EXPECT_EQ(Parsed("a >= 1"), "(>= a i:1)");
  EXPECT_EQ(Parsed("a>=1"), "(>= a i:1)");
}

TEST(FrameExpressionParse, LiteralsNamesAndFunctions) {
  EXPECT_EQ(Parsed("42"), "i:42");
  EXPECT_EQ(Parsed("-42"), "i:-42");
  EXPECT_EQ(Parsed("2 - -3"), "(- i:2 i:-3)");
  EXPECT_EQ(Parsed("-9223372036854775808"), "i:-9223372036854775808");
  EXPECT_EQ(Parsed("9223372036854775807"), "i:9223372036854775807");
  EXPECT_EQ(Parsed("1.5"), "f:1.5");
  EXPECT_EQ(Parsed(".5"), "f:0.5");
  EXPECT_EQ(Parsed("1e3"), "f:1000");
  EXPECT_EQ(Parsed("2.5E-1"), "f:0.25");
  EXPECT_EQ(Parsed("-1.5"), "f:-1.5");
  EXPECT_EQ(Parsed("'it\\'s'"), "s:'it's'");
  EXPECT_EQ(Parsed("\"say \\\"hi\\\" \\\\ ok\""), "s:'say \"hi\" \\ ok'");
  EXPECT_EQ(Parsed("'a\\nb'"), "s:'a\\nb'");  // only the quote and the backslash are escapes
  EXPECT_EQ(Parsed("\"it's\""), "s:'it's'");
  EXPECT_EQ(Parsed("true"), "true");
  EXPECT_EQ(Parsed("False"), "false");
  EXPECT_EQ(Parsed("_x.y2"), "_x.y2");
  EXPECT_EQ(Parsed("`a col` + `and`"), "(+ a col and)");
  EXPECT_EQ(Parsed("isnull(a)"), "(isnull a)");
  EXPECT_EQ(Parsed("notnull(a + 1)"), "(notnull (+ a i:1))");
  EXPECT_EQ(Parsed("startswith(s, 'ab')"), "(startswith s s:'ab')");
  EXPECT_EQ(Parsed("endswith(lower(s), \"z\")"), "(endswith (lower s) s:'z')");
  EXPECT_EQ(Parsed("contains(s, '')"), "(contains s s:'')");
  EXPECT_EQ(Parsed("abs(a - b)"), "(abs (- a b))");
  EXPECT_EQ(Parsed("  abs ( a ) "), "(abs a)");
  EXPECT_EQ(Parsed("lower"), "lower");  // a column named like a function
}

TEST(FrameExpressionParse, NodesKnowTheirColumns) {
  absl::StatusOr<FrameExpr> e = ParseFrameExpression("ab + cd * 2");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->column, 4);                   // +
  EXPECT_EQ(e->args[0].column, 1);           // ab
  EXPECT_EQ(e->args[1].column, 9);           // *
  EXPECT_EQ(e->args[1].args[1].column, 11);  // 2
}

TEST(FrameExpressionParse, ErrorsNameTheTokenAndItsColumn) {
  EXPECT_EQ(ErrorOf("status >= 5oo"),
            "expression \"status >= 5oo\": unexpected \"oo\" at column 12");
  EXPECT_EQ(ErrorOf("a >"), "expression \"a >\": unexpected end at column 4");
  EXPECT_EQ(ErrorOf(""), "expression \"\": empty expression at column 1");
  EXPECT_EQ(ErrorOf("   "), "expression \"   \": empty expression at column 4");
  EXPECT_EQ(ErrorOf("a b"), "expression \"a b\": unexpected \"b\" at column 3");
  // Columns count characters: "\u00e9" is one.
  EXPECT_EQ(ErrorOf("s == '\xc3\xa9' oo"),
            "expression \"s == '\xc3\xa9' oo\": unexpected \"oo\" at column 10");
  EXPECT_EQ(ErrorOf("a = 1"),
            "expression \"a = 1\": unexpected \"=\" at column 3 (use == to compare)");
  EXPECT_EQ(ErrorOf("!a"), "expression \"!a\": unexpected \"!\" at column 1 (use != or not)");
  EXPECT_EQ(ErrorOf("a $ b"), "expression \"a $ b\": unexpected character \"$\" at column 3");
  EXPECT_EQ(ErrorOf("a \xe2\x89\xa5 b"),  // U+2265, a Unicode >=
            "expression \"a \xe2\x89\xa5 b\": unexpected character \"\xe2\x89\xa5\" at column 3");
  EXPECT_EQ(ErrorOf("s == 'abc"), "expression \"s == 'abc\": unterminated string at column 6");
  EXPECT_EQ(ErrorOf("`a b"), "expression \"`a b\": unterminated `column name` at column 1");
  EXPECT_EQ(ErrorOf("`` > 1"), "expression \"`` > 1\": empty `column name` at column 1");
  EXPECT_EQ(ErrorOf("(a + 1"),
            "expression \"(a + 1\": unexpected end at column 7 (expected \")\")");
  EXPECT_EQ(ErrorOf("a + 1)"), "expression \"a + 1)\": unexpected \")\" at column 6");
  EXPECT_EQ(ErrorOf("a * * b"), "expression \"a * * b\": unexpected \"*\" at column 5");
  EXPECT_EQ(ErrorOf("a and or b"), "expression \"a and or b\": unexpected \"or\" at column 7");
  EXPECT_EQ(ErrorOf("a < b < c"),
            "expression \"a < b < c\": unexpected \"<\" at column 7 (comparisons do not chain: "
            "join them with and)");
  EXPECT_EQ(ErrorOf("99999999999999999999"),
            "expression \"99999999999999999999\": integer 99999999999999999999 out of range at "
            "column 1");
  EXPECT_EQ(ErrorOf("9223372036854775808"),
            "expression \"9223372036854775808\": integer 9223372036854775808 out of range at "
            "column 1");
  EXPECT_EQ(ErrorOf("x > upper(s)"),
            "expression \"x > upper(s)\": unknown function \"upper\" (functions: isnull, notnull, "
            "startswith, endswith, contains, abs, lower; a column of that name goes in "
            "backquotes: `upper`) at column 5");
  EXPECT_EQ(ErrorOf("startswith(s, 1)"),
            "expression \"startswith(s, 1)\": unexpected \"1\" at column 15 (the second argument "
            "of startswith must be a string literal)");
  EXPECT_EQ(ErrorOf("contains(s)"),
            "expression \"contains(s)\": unexpected \")\" at column 11 (contains takes a second "
            "argument, a string)");
  EXPECT_EQ(ErrorOf("isnull(a, b)"),
            "expression \"isnull(a, b)\": unexpected \",\" at column 9 (expected \")\" closing "
            "isnull()");
  EXPECT_EQ(ErrorOf("abs(a"),
            "expression \"abs(a\": unexpected end at column 6 (expected \")\" closing abs()");
}

TEST(FrameExpressionParse, DeepNestingAndLongChainsAreErrorsNotCrashes) {
  const std::string deep = absl::StrCat(std::string(5000, '('), "a", std::string(5000, ')'));
  EXPECT_NE(ErrorOf(deep).find("nested deeper than 200 levels"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_NE(ErrorOf(nots + "a").find("nested deeper than 200 levels"), std::string::npos);
  std::string negs(5000, '-');
  EXPECT_NE(ErrorOf(negs + "a").find("nested deeper than 200 levels"), std::string::npos);
  const std::string ok = absl::StrCat(std::string(100, '('), "a", std::string(100, ')'));
  EXPECT_EQ(Parsed(ok), "a");
  // A long flat chain makes a deep tree too: the operators are counted.
  std::string sum = "a";
  for (int i = 0; i < 1000; ++i) sum += " + a";
  EXPECT_TRUE(ParseFrameExpression(sum).ok());
  EXPECT_NE(ErrorOf(sum + " + a").find("more than 1000 operators at column 4003"),
            std::string::npos);
}

TEST(FrameExpressionColumns, EachColumnOnceInOrderOfAppearance) {
  absl::StatusOr<FrameExpr> e =
      ParseFrameExpression("b + a > b and isnull(`c d`) or startswith(s, 'a')");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(absl::StrJoin(FrameExpressionColumns(*e), ","), "b,a,c d,s");
  absl::StatusOr<FrameExpr> literal = ParseFrameExpression("1 + 2");
  ASSERT_TRUE(literal.ok());
  EXPECT_TRUE(FrameExpressionColumns(*literal).empty());
}

}  // namespace
}  // namespace brisk
