#pragma once
// Each trace's own settings, set by its options (command line or config file)
// and read when it starts: one slot per settings type, so a trace declares its
// settings struct next to its code and nothing shared lists its fields.

#include <any>
#include <map>
#include <typeindex>

namespace probelog {

class TraceSettings {
  public:
    // The settings of type T, made with their defaults on first use.
    template <typename T>
    T& get() {
        std::any& slot = slots_[std::type_index(typeid(T))];
        if (!slot.has_value()) slot = T{};
        return std::any_cast<T&>(slot);
    }
    // The settings of type T, or their defaults if no option set any.
    template <typename T>
    T value() const {
        auto it = slots_.find(std::type_index(typeid(T)));
        return it == slots_.end() ? T{} : std::any_cast<const T&>(it->second);
    }

  private:
    std::map<std::type_index, std::any> slots_;
};

}  // namespace probelog
