#include "common/frame_expression.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace brisk {
namespace {

// Deeper nesting, or more operators, than this is refused rather than risking the stack (a tree
// is evaluated, and freed, recursively).
constexpr int kMaxDepth = 200;
constexpr int kMaxOperators = 1000;

struct Token {
  enum class Type : uint8_t { kName, kQuotedName, kInt, kFloat, kString, kSymbol, kEnd };
  Type type = Type::kEnd;
  std::string text;   // as written in the source (kQuotedName, kString: the unescaped text)
  std::string shown;  // as an error message shows it
  int64_t int_value = 0;
  double float_value = 0;
  int column = 1;
};

struct Function {
  absl::string_view name;
  FrameExprOp op;
  bool takes_text;  // a second argument, a string literal
};

constexpr Function kFunctions[] = {
    {"isnull", FrameExprOp::kIsNull, false},        {"notnull", FrameExprOp::kNotNull, false},
    {"startswith", FrameExprOp::kStartsWith, true}, {"endswith", FrameExprOp::kEndsWith, true},
    {"contains", FrameExprOp::kContains, true},     {"abs", FrameExprOp::kAbs, false},
    {"lower", FrameExprOp::kLower, false},
};

const Function* FindFunction(absl::string_view name) {
  for (const Function& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FunctionList() {
  std::vector<absl::string_view> names;
  for (const Function& f : kFunctions) names.push_back(f.name);
  return absl::StrJoin(names, ", ");
}

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.'; }

class Parser {
 public:
  explicit Parser(absl::string_view source) : source_(source) {}

  absl::StatusOr<FrameExpr> Parse() {
    if (absl::Status s = Tokenize(); !s.ok()) return s;
    absl::StatusOr<FrameExpr> expr = ParseOr(0);
    if (!expr.ok()) return expr;
    if (Peek().type != Token::Type::kEnd) return Unexpected(Peek());
    return expr;
  }

 private:
  absl::Status Error(absl::string_view what, int column) const {
    return absl::InvalidArgumentError(
        absl::StrCat("expression \"", source_, "\": ", what, " at column ", column));
  }
  absl::Status Unexpected(const Token& t, absl::string_view hint = "") const {
    std::string what;
    if (t.type != Token::Type::kEnd) {
      what = absl::StrCat("unexpected ", t.shown);
    } else if (absl::StripAsciiWhitespace(source_).empty()) {
      what = "empty expression";
    } else {
      what = "unexpected end";
    }
    absl::Status s = Error(what, t.column);
    if (hint.empty()) return s;
    return absl::InvalidArgumentError(absl::StrCat(s.message(), " (", hint, ")"));
  }

  // The 1-based column of byte i: characters, not bytes, before it (UTF-8 continuation bytes
  // do not count).
  int ColumnAt(size_t i) {
    while (counted_ < i) {
      if ((static_cast<unsigned char>(source_[counted_]) & 0xC0) != 0x80) ++chars_;
      ++counted_;
    }
    return chars_ + 1;
  }

  absl::Status Tokenize() {
    size_t i = 0;
    const size_t n = source_.size();
    while (true) {
      while (i < n && absl::ascii_isspace(source_[i])) ++i;
      Token t;
      t.column = ColumnAt(i);
      if (i == n) {
        tokens_.push_back(std::move(t));
        return absl::OkStatus();
      }
      const char c = source_[i];
      const size_t start = i;
      if (IsNameStart(c)) {
        while (i < n && IsNameChar(source_[i])) ++i;
        t.type = Token::Type::kName;
        t.text = std::string(source_.substr(start, i - start));
        t.shown = absl::StrCat("\"", t.text, "\"");
      } else if (absl::ascii_isdigit(c) ||
                 (c == '.' && i + 1 < n && absl::ascii_isdigit(source_[i + 1]))) {
        bool is_float = false;
        while (i < n && absl::ascii_isdigit(source_[i])) ++i;
        if (i < n && source_[i] == '.') {
          is_float = true;
          ++i;
          while (i < n && absl::ascii_isdigit(source_[i])) ++i;
        }
        if (i < n && (source_[i] == 'e' || source_[i] == 'E')) {
          size_t j = i + 1;
          if (j < n && (source_[j] == '+' || source_[j] == '-')) ++j;
          if (j < n && absl::ascii_isdigit(source_[j])) {
            is_float = true;
            i = j;
            while (i < n && absl::ascii_isdigit(source_[i])) ++i;
          }
        }
        t.text = std::string(source_.substr(start, i - start));
        t.shown = absl::StrCat("\"", t.text, "\"");
        errno = 0;
        if (is_float) {
          t.type = Token::Type::kFloat;
          t.float_value = std::strtod(t.text.c_str(), nullptr);
        } else {
          t.type = Token::Type::kInt;
          const unsigned long long v = std::strtoull(t.text.c_str(), nullptr, 10);
          // One past INT64_MAX is allowed only as the operand of a unary minus (folded later).
          if (errno == ERANGE ||
              v > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) {
            return Error(absl::StrCat("integer ", t.text, " out of range"), t.column);
          }
          t.int_value = static_cast<int64_t>(v);  // INT64_MIN for 2^63
          t.float_value = static_cast<double>(v);
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        ++i;
        std::string text;
        bool closed = false;
        while (i < n) {
          if (source_[i] == '\\' && c != '`' && i + 1 < n &&
              (source_[i + 1] == c || source_[i + 1] == '\\')) {
            text += source_[i + 1];
            i += 2;
          } else if (source_[i] == c) {
            closed = true;
            ++i;
            break;
          } else {
            text += source_[i++];
          }
        }
        if (!closed) {
          return Error(c == '`' ? "unterminated `column name`" : "unterminated string", t.column);
        }
        if (c == '`' && text.empty()) return Error("empty `column name`", t.column);
        t.type = c == '`' ? Token::Type::kQuotedName : Token::Type::kString;
        t.text = std::move(text);
        t.shown = std::string(source_.substr(start, i - start));
      } else {
        static constexpr absl::string_view kTwo[] = {"==", "!=", "<=", ">=", "//"};
        static constexpr absl::string_view kOne = "<>+-*/%()|&~,";
        const absl::string_view two = source_.substr(i, 2);
        bool found = false;
        for (absl::string_view s : kTwo) {
          if (two == s) {
            t.text = std::string(s);
            i += 2;
            found = true;
            break;
          }
        }
        if (!found && kOne.find(c) != absl::string_view::npos) {
          t.text = std::string(1, c);
          ++i;
          found = true;
        }
        if (!found) {
          t.text = std::string(1, c);
          t.type = Token::Type::kSymbol;
          t.shown = absl::StrCat("\"", t.text, "\"");
          // Operators of other languages get a hint.
          if (c == '=') return Unexpected(t, "use == to compare");
          if (c == '!') return Unexpected(t, "use != or not");
          size_t len = 1;  // the whole UTF-8 sequence
          while (i + len < n && (static_cast<unsigned char>(source_[i + len]) & 0xC0) == 0x80) {
            ++len;
          }
          return Error(absl::StrCat("unexpected character \"", source_.substr(i, len), "\""),
                       t.column);
        }
        t.type = Token::Type::kSymbol;
        t.shown = absl::StrCat("\"", t.text, "\"");
      }
      tokens_.push_back(std::move(t));
    }
  }

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsSymbol(absl::string_view s) const {
    return Peek().type == Token::Type::kSymbol && Peek().text == s;
  }
  bool IsWord(absl::string_view s) const {
    return Peek().type == Token::Type::kName && Peek().text == s;
  }

  absl::StatusOr<FrameExpr> Op(FrameExprOp op, int column, std::vector<FrameExpr> args) {
    if (++operators_ > kMaxOperators) {
      return Error(absl::StrCat("more than ", kMaxOperators, " operators"), column);
    }
    FrameExpr e;
    e.kind = FrameExpr::Kind::kOp;
    e.op = op;
    e.column = column;
    e.args = std::move(args);
    return e;
  }

  absl::Status Deeper(int depth) const {
    if (depth > kMaxDepth) {
      return Error(absl::StrCat("nested deeper than ", kMaxDepth, " levels"), Peek().column);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<FrameExpr> ParseOr(int depth) {
    if (absl::Status s = Deeper(depth); !s.ok()) return s;
    absl::StatusOr<FrameExpr> left = ParseAnd(depth);
    while (left.ok() && (IsWord("or") || IsSymbol("|"))) {
      const int column = Next().column;
      absl::StatusOr<FrameExpr> right = ParseAnd(depth);
      if (!right.ok()) return right;
      left = Op(FrameExprOp::kOr, column, {*std::move(left), *std::move(right)});
    }
    return left;
  }

  absl::StatusOr<FrameExpr> ParseAnd(int depth) {
    absl::StatusOr<FrameExpr> left = ParseNot(depth);
    while (left.ok() && (IsWord("and") || IsSymbol("&"))) {
      const int column = Next().column;
      absl::StatusOr<FrameExpr> right = ParseNot(depth);
      if (!right.ok()) return right;
      left = Op(FrameExprOp::kAnd, column, {*std::move(left), *std::move(right)});
    }
    return left;
  }

  absl::StatusOr<FrameExpr> ParseNot(int depth) {
    if (IsWord("not") || IsSymbol("~")) {
      const int column = Next().column;
      if (absl::Status s = Deeper(depth + 1); !s.ok()) return s;
      absl::StatusOr<FrameExpr> operand = ParseNot(depth + 1);
      if (!operand.ok()) return operand;
      return Op(FrameExprOp::kNot, column, {*std::move(operand)});
    }
    return ParseComparison(depth);
  }

  std::optional<FrameExprOp> ComparisonOp() const {
    if (Peek().type != Token::Type::kSymbol) return std::nullopt;
    const std::string& s = Peek().text;
    if (s == "==") return FrameExprOp::kEq;
    if (s == "!=") return FrameExprOp::kNe;
    if (s == "<") return FrameExprOp::kLt;
    if (s == "<=") return FrameExprOp::kLe;
    if (s == ">") return FrameExprOp::kGt;
    if (s == ">=") return FrameExprOp::kGe;
    return std::nullopt;
  }

  absl::StatusOr<FrameExpr> ParseComparison(int depth) {
    absl::StatusOr<FrameExpr> left = ParseSum(depth);
    if (!left.ok()) return left;
    const std::optional<FrameExprOp> op = ComparisonOp();
    if (!op.has_value()) return left;
    const int column = Next().column;
    absl::StatusOr<FrameExpr> right = ParseSum(depth);
    if (!right.ok()) return right;
    if (ComparisonOp().has_value()) {
      return Unexpected(Peek(), "comparisons do not chain: join them with and");
    }
    return Op(*op, column, {*std::move(left), *std::move(right)});
  }

  absl::StatusOr<FrameExpr> ParseSum(int depth) {
    absl::StatusOr<FrameExpr> left = ParseProduct(depth);
    while (left.ok() && (IsSymbol("+") || IsSymbol("-"))) {
      const Token& t = Next();
      const FrameExprOp op = t.text == "+" ? FrameExprOp::kAdd : FrameExprOp::kSub;
      absl::StatusOr<FrameExpr> right = ParseProduct(depth);
      if (!right.ok()) return right;
      left = Op(op, t.column, {*std::move(left), *std::move(right)});
    }
    return left;
  }

  absl::StatusOr<FrameExpr> ParseProduct(int depth) {
    absl::StatusOr<FrameExpr> left = ParseUnary(depth);
    while (left.ok() && (IsSymbol("*") || IsSymbol("/") || IsSymbol("//") || IsSymbol("%"))) {
      const Token& t = Next();
      const FrameExprOp op = t.text == "*"    ? FrameExprOp::kMul
                             : t.text == "/"  ? FrameExprOp::kDiv
                             : t.text == "//" ? FrameExprOp::kFloorDiv
                                              : FrameExprOp::kMod;
      absl::StatusOr<FrameExpr> right = ParseUnary(depth);
      if (!right.ok()) return right;
      left = Op(op, t.column, {*std::move(left), *std::move(right)});
    }
    return left;
  }

  absl::StatusOr<FrameExpr> ParseUnary(int depth) {
    if (!IsSymbol("-")) {
      absl::StatusOr<FrameExpr> primary = ParsePrimary(depth);
      if (primary.ok() && primary->kind == FrameExpr::Kind::kInt &&
          primary->int_value == std::numeric_limits<int64_t>::min()) {
        return Error("integer 9223372036854775808 out of range", primary->column);
      }
      return primary;
    }
    const int column = Next().column;
    if (absl::Status s = Deeper(depth + 1); !s.ok()) return s;
    // A literal's sign is folded into it (so -9223372036854775808 is an int).
    if (Peek().type == Token::Type::kInt || Peek().type == Token::Type::kFloat) {
      const Token& t = Next();
      FrameExpr e;
      e.column = column;
      if (t.type == Token::Type::kInt) {
        e.kind = FrameExpr::Kind::kInt;
        e.int_value = static_cast<int64_t>(0ull - static_cast<uint64_t>(t.int_value));
      } else {
        e.kind = FrameExpr::Kind::kFloat;
        e.float_value = -t.float_value;
      }
      return e;
    }
    absl::StatusOr<FrameExpr> operand = ParseUnary(depth + 1);
    if (!operand.ok()) return operand;
    return Op(FrameExprOp::kNeg, column, {*std::move(operand)});
  }

  absl::StatusOr<FrameExpr> ParsePrimary(int depth) {
    const Token& t = Next();
    FrameExpr e;
    e.column = t.column;
    switch (t.type) {
      case Token::Type::kInt:
        e.kind = FrameExpr::Kind::kInt;
        e.int_value = t.int_value;
        return e;
      case Token::Type::kFloat:
        e.kind = FrameExpr::Kind::kFloat;
        e.float_value = t.float_value;
        return e;
      case Token::Type::kString:
        e.kind = FrameExpr::Kind::kString;
        e.text = t.text;
        return e;
      case Token::Type::kQuotedName:
        e.kind = FrameExpr::Kind::kColumn;
        e.text = t.text;
        return e;
      case Token::Type::kName:
        break;
      case Token::Type::kSymbol:
        if (t.text == "(") {
          if (absl::Status s = Deeper(depth + 1); !s.ok()) return s;
          absl::StatusOr<FrameExpr> inner = ParseOr(depth + 1);
          if (!inner.ok()) return inner;
          if (!IsSymbol(")")) return Unexpected(Peek(), "expected \")\"");
          Next();
          return inner;
        }
        return Unexpected(t);
      case Token::Type::kEnd:
        return Unexpected(t);
    }
    // A name: a keyword, a function call or a column.
    static const auto* kKeywords = new absl::flat_hash_set<absl::string_view>{"and", "or", "not"};
    if (kKeywords->contains(t.text)) return Unexpected(t);
    if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
      e.kind = FrameExpr::Kind::kBool;
      e.bool_value = t.text[0] == 't' || t.text[0] == 'T';
      return e;
    }
    if (!IsSymbol("(")) {
      e.kind = FrameExpr::Kind::kColumn;
      e.text = t.text;
      return e;
    }
    const Function* f = FindFunction(t.text);
    if (f == nullptr) {
      return Error(absl::StrCat("unknown function \"", t.text, "\" (functions: ", FunctionList(),
                                "; a column of that name goes in backquotes: `", t.text, "`)"),
                   t.column);
    }
    Next();  // (
    if (absl::Status s = Deeper(depth + 1); !s.ok()) return s;
    absl::StatusOr<FrameExpr> arg = ParseOr(depth + 1);
    if (!arg.ok()) return arg;
    std::vector<FrameExpr> args;
    args.push_back(*std::move(arg));
    if (f->takes_text) {
      if (!IsSymbol(",")) {
        return Unexpected(Peek(), absl::StrCat(f->name, " takes a second argument, a string"));
      }
      Next();
      const Token& text = Next();
      if (text.type != Token::Type::kString) {
        return Unexpected(
            text, absl::StrCat("the second argument of ", f->name, " must be a string literal"));
      }
      FrameExpr literal;
      literal.kind = FrameExpr::Kind::kString;
      literal.text = text.text;
      literal.column = text.column;
      args.push_back(std::move(literal));
    }
    if (!IsSymbol(")")) {
      return Unexpected(Peek(), absl::StrCat("expected \")\" closing ", f->name, "("));
    }
    Next();
    return Op(f->op, t.column, std::move(args));
  }

  absl::string_view source_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int operators_ = 0;
  size_t counted_ = 0;  // ColumnAt: bytes counted so far, and the characters among them
  int chars_ = 0;
};

void CollectColumns(const FrameExpr& e, absl::flat_hash_set<std::string>& seen,
                    std::vector<std::string>& out) {
  if (e.kind == FrameExpr::Kind::kColumn && seen.insert(e.text).second) out.push_back(e.text);
  for (const FrameExpr& a : e.args) CollectColumns(a, seen, out);
}

}  // namespace

absl::string_view FrameExprOpName(FrameExprOp op) {
  switch (op) {
    case FrameExprOp::kOr:
      return "or";
    case FrameExprOp::kAnd:
      return "and";
    case FrameExprOp::kNot:
      return "not";
    case FrameExprOp::kEq:
      return "==";
    case FrameExprOp::kNe:
      return "!=";
    case FrameExprOp::kLt:
      return "<";
    case FrameExprOp::kLe:
      return "<=";
    case FrameExprOp::kGt:
      return ">";
    case FrameExprOp::kGe:
      return ">=";
    case FrameExprOp::kAdd:
      return "+";
    case FrameExprOp::kSub:
    case FrameExprOp::kNeg:
      return "-";
    case FrameExprOp::kMul:
      return "*";
    case FrameExprOp::kDiv:
      return "/";
    case FrameExprOp::kMod:
      return "%";
    case FrameExprOp::kFloorDiv:
      return "//";
    case FrameExprOp::kIsNull:
      return "isnull";
    case FrameExprOp::kNotNull:
      return "notnull";
    case FrameExprOp::kStartsWith:
      return "startswith";
    case FrameExprOp::kEndsWith:
      return "endswith";
    case FrameExprOp::kContains:
      return "contains";
    case FrameExprOp::kAbs:
      return "abs";
    case FrameExprOp::kLower:
      return "lower";
  }
  return "?";
}

absl::StatusOr<FrameExpr> ParseFrameExpression(absl::string_view text) {
  return Parser(text).Parse();
}

std::vector<std::string> FrameExpressionColumns(const FrameExpr& expr) {
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> out;
  CollectColumns(expr, seen, out);
  return out;
}

}  // namespace brisk
